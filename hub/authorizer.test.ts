// Online authorisation is store-scoped: a kiosk learns nothing about, and holds nothing for, members outside its store (#13 Medium 9).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { generateKeyPair } from "../protocol/signing.js";
import { DeviceRegistry } from "./devices.js";
import { openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import { SALE_LIMIT_FEN } from "./evaluate.js";

let world: IngestWorld;
const holds = (): number => world.db.prepare("SELECT COUNT(*) AS n FROM holds").get<{ n: number }>()!.n;

beforeEach(async () => {
  world = await openIngestWorld(50_000);
  new DeviceRegistry(world.db, world.clock).provision({ chainId: "acme", storeId: "s02", deviceId: "k2" });
  const key = (): string => generateKeyPair().publicKey;
  world.members.create({
    memberId: "m2",
    cardId: "C0002",
    name: "s02 only",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key(),
    balanceFen: 70_000,
    stores: ["s02"],
  });
  world.members.create({
    memberId: "m3",
    cardId: "C0003",
    name: "blocked",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key(),
    balanceFen: 70_000,
    status: "blocked",
  });
});
afterEach(() => world.close());

describe("auth/req scope", () => {
  it("answers a kiosk of another store 'unknown-member' with nothing disclosed and places no hold", () => {
    const r = world.authorizer.authorize("k1", { requestId: "probe-1", memberId: "m2", balanceFen: 1, points: 0 });
    expect(r).toEqual({ requestId: "probe-1", approved: false, reason: "unknown-member", availableBalanceFen: 0, availablePoints: 0 });
    expect(holds()).toBe(0);
    // The member's own store is answered, and can spend the whole balance.
    expect(world.authorizer.authorize("k2", { requestId: "own-1", memberId: "m2", balanceFen: 70_000, points: 0 })).toMatchObject({
      approved: true,
      availableBalanceFen: 0,
    });
  });

  it("does not let a kiosk reuse another kiosk's request id to read a balance or a hold", () => {
    expect(world.authorizer.authorize("k1", { requestId: "hold-a", memberId: "m1", balanceFen: 10_000, points: 0 })).toMatchObject({ approved: true });
    const replay = world.authorizer.authorize("k2", { requestId: "hold-a", memberId: "m1", balanceFen: 10_000, points: 0 });
    expect(replay).toMatchObject({ approved: false, availableBalanceFen: 0, availablePoints: 0 });
    expect(world.authorizer.openHoldInTx("hold-a", "m1", "k2")).toBeUndefined();
    expect(world.authorizer.openHoldInTx("hold-a", "m1", "k1")).toEqual({ balanceFen: 10_000, points: 0, shoppingCardId: null, shoppingCardFen: 0 });
  });

  it("declines blocked members without disclosing their balance, and amounts beyond the per-sale limit", () => {
    expect(world.authorizer.authorize("k1", { requestId: "b-1", memberId: "m3", balanceFen: 1, points: 0 })).toMatchObject({
      approved: false,
      reason: "blocked",
      availableBalanceFen: 0,
    });
    expect(world.authorizer.authorize("k1", { requestId: "big-1", memberId: "m1", balanceFen: SALE_LIMIT_FEN + 1, points: 0 })).toMatchObject({
      approved: false,
      reason: "insufficient-balance",
    });
    expect(holds()).toBe(0);
  });
});
