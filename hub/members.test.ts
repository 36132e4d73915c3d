// Member registry and its changelog: unique cards, cursor paging, snapshots, latest state wins.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair } from "../protocol/signing.js";
import { MemberRegistry } from "./members.js";
import { HubError } from "./errors.js";

let dir: string;
let db: Database;
let members: MemberRegistry;
const key = generateKeyPair().publicKey;
const base = { name: "n", levelId: "gold", cardClass: "standard", cardPublicKey: key };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "members-"));
  db = await openTestHubDb(dir);
  members = new MemberRegistry(db, new ManualClock(0));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HubError ? err.code : "OTHER";
  }
  return undefined;
}

describe("member registry", () => {
  it("keeps member numbers and card ids unique and validates input", () => {
    members.create({ memberId: "m1", cardId: "C1", ...base });
    expect(code(() => members.create({ memberId: "m1", cardId: "C2", ...base }))).toBe("CONFLICT");
    expect(code(() => members.create({ memberId: "m2", cardId: "C1", ...base }))).toBe("CONFLICT");
    expect(code(() => members.create({ memberId: "m3", cardId: "C3", ...base, cardPublicKey: "short" }))).toBe("INVALID_INPUT");
    expect(members.list().map((m) => m.memberId)).toEqual(["m1"]);
  });

  it("gives many stores' changelog positions in one query, the same as one store at a time", () => {
    members.create({ memberId: "g1", cardId: "G1", ...base }); // everywhere
    members.create({ memberId: "a1", cardId: "A1", ...base, stores: ["s-a"] });
    members.create({ memberId: "b1", cardId: "B1", ...base, stores: ["s-b"] });
    members.create({ memberId: "g2", cardId: "G2", ...base });
    members.create({ memberId: "a2", cardId: "A2", ...base, stores: ["s-a", "s-c"] });
    const stores = ["s-a", "s-b", "s-c", "s-none"];
    for (const before of [1, 2, 3, 4, 5, 6, 7, 100]) {
      const batch = members.cursorsBefore(stores, before);
      expect([...batch.keys()].sort()).toEqual(stores);
      for (const s of stores) expect(batch.get(s), `${s} before ${before}`).toBe(members.cursorBefore(s, before));
    }
    // a2 (one row for s-a, one for s-c) came after g2 (everywhere), the last change s-b and a store without members see.
    const end = members.cursorsBefore(stores, 100);
    expect(end.get("s-c")).toBe(end.get("s-a")! + 1);
    expect(end.get("s-a")).toBeGreaterThan(end.get("s-b")!);
    expect(end.get("s-b")).toBe(end.get("s-none"));
    expect(end.get("s-none")).toBeGreaterThan(0);
    expect(members.cursorsBefore([], 10).size).toBe(0);
  });

  it("pages the changelog from a cursor, latest state per member", () => {
    for (let i = 1; i <= 5; i++) members.create({ memberId: `m${i}`, cardId: `C${i}`, ...base });
    db.transaction(() => members.adjustInTx("m2", 7, 0));
    const first = members.changesSince("s1", 0, 3);
    expect(first.snapshot).toBe(true);
    expect(first.more).toBe(true);
    expect(first.changes.map((c) => (c.kind === "upsert" ? c.member.memberId : c.memberId))).toEqual(["m1", "m3", "m4"]);
    const rest = members.changesSince("s1", first.cursor, 10);
    expect(rest.more).toBe(false);
    const m2 = rest.changes.find((c) => c.kind === "upsert" && c.member.memberId === "m2");
    expect(m2?.kind === "upsert" && m2.member.pointsBalance).toBe(7);
    expect(members.changesSince("s1", rest.cursor, 10).changes).toEqual([]);
  });
});
