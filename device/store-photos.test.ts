// The kiosk store's headshot bookkeeping, found in SQL (missing photos, unused photos) so that a large member cache never comes into memory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MemberChange, MemberRecordSchema } from "../protocol/messages.js";
import { generateKeyPair } from "../protocol/signing.js";
import { migrate, openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";

let dir: string;
let db: Database;
let store: KioskStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiosk-photos-"));
  db = await openDatabase(join(dir, "k.db"));
  migrate(db, KIOSK_MIGRATIONS);
  store = new KioskStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = generateKeyPair().publicKey;
const hash = (c: string): string => c.repeat(64);
function upsert(seq: number, memberId: string, headshot?: string): MemberChange {
  const member = MemberRecordSchema.parse({
    memberId,
    cardId: `C-${memberId}`,
    name: "x",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key,
    status: "active",
    pointsBalance: 0,
    balanceFen: 0,
    ...(headshot !== undefined ? { headshotHash: headshot } : {}),
  });
  return { kind: "upsert", seq, member };
}

describe("kiosk store photos", () => {
  it("lists each missing headshot once and drops only photos no member points at", () => {
    store.applyMemberChanges(
      [upsert(1, "m1", hash("a")), upsert(2, "m2", hash("a")), upsert(3, "m3", hash("b")), upsert(4, "m4"), upsert(5, "m5", hash("c"))],
      5,
      true,
    );
    store.savePhoto(hash("b"), "image/jpeg", new Uint8Array([1]));
    store.savePhoto(hash("d"), "image/jpeg", new Uint8Array([2]));
    expect(store.missingPhotos().sort()).toEqual([hash("a"), hash("c")]);
    expect(store.dropUnusedPhotos()).toBe(1);
    expect(store.photo(hash("d"))).toBeUndefined();
    expect(store.photo(hash("b"))).toBeDefined();
    store.applyMemberChanges([{ kind: "delete", seq: 6, memberId: "m3" }], 6, false);
    expect(store.dropUnusedPhotos()).toBe(1);
    expect(store.photoCount()).toBe(0);
    expect(store.missingPhotos().sort()).toEqual([hash("a"), hash("c")]);
  });
});
