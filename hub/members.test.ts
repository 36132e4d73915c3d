// Member registry and its changelog: unique cards, cursor paging, snapshots, latest state wins.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/sqlite.js";
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
