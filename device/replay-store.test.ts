// The durable replay guard: a code is refused inside its window, also after the kiosk reopens its database, and forgotten after.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { createMemberCode, verifyMemberCode } from "../protocol/member-code.js";
import { generateKeyPair } from "../protocol/signing.js";
import { ProtocolError } from "../protocol/errors.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { SqliteReplayStore } from "./replay-store.js";

const dir = mkdtempSync(join(tmpdir(), "replay-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteReplayStore", () => {
  it("refuses a replayed code after a restart and forgets it once its window has passed", async () => {
    const card = generateKeyPair();
    const t0 = Date.UTC(2026, 10, 22, 8, 0, 0);
    const code = createMemberCode("C1", card, t0);
    const verify = (replay: SqliteReplayStore, now: number): string => {
      try {
        return verifyMemberCode(code, { publicKeyOf: () => card.publicKey, nowMs: now, replay, windowSeconds: 60 }).cardId;
      } catch (err) {
        return (err as ProtocolError).code;
      }
    };
    const path = join(dir, "k.db");
    const db = await openDatabase(path);
    migrate(db, KIOSK_MIGRATIONS);
    expect(verify(new SqliteReplayStore(db), t0 + 1_000)).toBe("C1");
    db.close();
    const reopened = await openDatabase(path);
    migrate(reopened, KIOSK_MIGRATIONS);
    const store = new SqliteReplayStore(reopened);
    expect(verify(store, t0 + 2_000)).toBe("CODE_REPLAYED");
    expect(store.claim("other", t0 + 10_000, t0 + 3_000)).toBe(true);
    // After the window the old row is purged (the code itself has expired by then).
    expect(store.claim("another", t0 + 200_000, t0 + 120_000)).toBe(true);
    expect(reopened.prepare("SELECT COUNT(*) AS n FROM seen_codes").get<{ n: number }>()?.n).toBe(1);
    reopened.close();
  });
});
