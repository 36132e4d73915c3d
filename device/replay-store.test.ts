// The durable replay guard: a code is refused inside its window (in any spelling), also after the kiosk reopens its database, and forgotten after.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { createMemberCode, verifyMemberCode } from "../protocol/member-code.js";
import { generateKeyPair } from "../protocol/signing.js";
import type { ProtocolError } from "../protocol/errors.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { SqliteReplayStore } from "./replay-store.js";
import { createKioskApp } from "./http.js";
import { SyncWorld, BARCODES } from "../test/sync-harness.js";

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

describe("kiosk checkout with a re-spelled member code", () => {
  let w: SyncWorld | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it("refuses every other spelling of a code already paid with, so the victim's balance is not spent twice", { timeout: 30_000 }, async () => {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01");
    const m = w.addMember("m1", { balanceFen: 100_000 });
    const kiosk = await w.addKiosk("k1", "s01");
    await w.ready(kiosk, ["m1"]);
    const app = createKioskApp(kiosk);
    const scan = async (text: string): Promise<Record<string, unknown>> =>
      (await (
        await app.request("/session/scan", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) })
      ).json()) as Record<string, unknown>;
    const code = createMemberCode(m.cardId, m.keys, kiosk.clock.now());
    expect(await scan(code)).toMatchObject({ kind: "member", memberId: "m1" });
    expect(await scan(BARCODES.rice)).toMatchObject({ kind: "product" });
    const paid = await app.request("/session/finish", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payWith: "balance" }),
    });
    expect(paid.status).toBe(200);
    const after = kiosk.store.member("m1")!.balanceFen;
    expect(after).toBeLessThan(100_000);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(code.at(-1)!);
    for (let low = 0; low < 16; low++) {
      const other = code.slice(0, -1) + alphabet[(last & 0x30) | low]!;
      const outcome = await scan(other);
      expect(outcome, other).not.toMatchObject({ kind: "member" });
      expect(kiosk.checkout.current.name).not.toBe("shopping");
    }
    expect(kiosk.store.member("m1")!.balanceFen).toBe(after);
    // The replay store holds the decoded card and time, not the text that was scanned.
    expect(
      kiosk.store.database
        .prepare("SELECT code FROM seen_codes")
        .all<{ code: string }>()
        .map((r) => r.code),
    ).toEqual([`${m.cardId}.${code.split(".")[2]}`]);
  });
});
