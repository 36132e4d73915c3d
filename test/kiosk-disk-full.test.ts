// A kiosk whose ledger cannot grow (SQLite max_page_count standing in for a full disk): it keeps running, refuses sales with words and a code, reports it in health and metrics, and resumes by itself.
import { describe, it, expect, afterEach } from "vitest";
import type { Hono } from "hono";
import type { Kiosk } from "../device/kiosk.js";
import type { Database } from "../storage/database.js";
import { createKioskApp } from "../device/http.js";
import { KioskMetrics, kioskMetricsSource, mountKioskMetrics } from "../device/metrics.js";
import { waitUntil } from "../scripts/demo-env.js";
import { SyncWorld, type TestMember } from "./sync-harness.js";
import { BARCODE, sessionRules } from "./session-world.js";

let w: SyncWorld;
let metrics: KioskMetrics | undefined;
afterEach(async () => {
  metrics?.stop();
  metrics = undefined;
  await w.stop();
});

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const REFUSAL_WORDS = "本机暂时无法记账，请到人工收银台结账 / This kiosk cannot record sales right now: please pay at a staffed till";

async function world(): Promise<{ kiosk: Kiosk; app: Hono; db: Database; members: TestMember[] }> {
  w = new SyncWorld();
  await w.startHub();
  w.hub.publishConfig("s01", { rules: sessionRules(), device: {} });
  const members = ["m1", "m2", "m3", "m4"].map((id) => w.addMember(id, { balanceFen: 1_000_000 }));
  const kiosk = await w.addKiosk("k1", "s01");
  await w.ready(
    kiosk,
    members.map((m) => m.memberId),
  );
  metrics = new KioskMetrics(kioskMetricsSource(kiosk, () => ({})));
  return { kiosk, app: createKioskApp(kiosk, [mountKioskMetrics(metrics)]), db: kiosk.database!, members };
}

/** The database may not grow past its current size, and its free pages are used up: a full disk as SQLite sees it. */
function fill(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS test_filler (pad BLOB)");
  const pages = db.prepare("PRAGMA page_count").get<{ page_count: number }>()!.page_count;
  db.exec(`PRAGMA max_page_count = ${pages}`);
  for (let i = 0; i < 10_000; i++) {
    try {
      db.prepare("INSERT INTO test_filler (pad) VALUES (randomblob(1000))").run();
    } catch (err) {
      expect((err as { code?: string }).code).toBe("STORAGE_FULL");
      return;
    }
  }
  throw new Error("the database never filled up");
}

function unfill(db: Database): void {
  db.exec("PRAGMA max_page_count = 1073741823");
}

async function scan(app: Hono, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.request("/session/scan", json({ text }));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function healthz(app: Hono): Promise<Record<string, unknown> & { drivers: Array<Record<string, unknown>> }> {
  return (await (await app.request("/healthz")).json()) as Record<string, unknown> & { drivers: Array<Record<string, unknown>> };
}

async function metric(app: Hono, line: RegExp): Promise<number> {
  const text = await (await app.request("/metrics")).text();
  const m = text.split("\n").find((l) => line.test(l));
  return m ? Number(m.split(" ").pop()) : 0;
}

describe("kiosk on a full disk", () => {
  it("refuses scans and sales with a code and words (never a 500), reports degraded health and metrics, and sells again once space is freed", async () => {
    const { kiosk, app, db, members } = await world();
    const exits: unknown[] = [];
    const onExit = (code: unknown): void => void exits.push(code);
    process.on("exit", onExit);
    try {
      expect(await healthz(app)).toMatchObject({ level: "ok", storage: { writable: true } });
      fill(db);
      // Sell until the ledger cannot take the next write; whichever step meets it (the member scan's replay
      // guard or the sale itself) must refuse cleanly.
      let first: { status: number; body: Record<string, unknown> } | undefined;
      let sold = 0;
      const before = kiosk.store.lastSeq();
      for (let i = 0; i < 200 && !first; i++) {
        const m = members[i % members.length]!;
        const who = await scan(app, w.memberCode(m, kiosk));
        expect(who.status).toBe(200);
        if (who.body.kind === "refused") {
          first = who;
          break;
        }
        expect(who.body).toMatchObject({ kind: "member" });
        expect((await scan(app, BARCODE.rice)).body).toMatchObject({ kind: "product" });
        const res = await app.request("/session/finish", json({ payWith: "external" }));
        if (res.status === 200) {
          sold++;
          continue;
        }
        first = { status: res.status, body: (await res.json()) as Record<string, unknown> };
        expect(first.status).toBe(503);
        // The cart is kept; the customer is sent to a staffed till.
        expect(kiosk.checkout.current.name).toBe("shopping");
        kiosk.checkout.cancel();
      }
      expect(first, "the full database refused a write within 200 sales").toBeDefined();
      // What was refused was not written: the ledger holds exactly the sales that were answered 200.
      expect(kiosk.store.lastSeq() - before).toBe(sold);
      expect(first!.body).toEqual(
        first!.status === 200
          ? { kind: "refused", code: "STORAGE_UNAVAILABLE", reason: "STORAGE_FULL", message: REFUSAL_WORDS }
          : { error: "STORAGE_UNAVAILABLE", reason: "STORAGE_FULL", message: REFUSAL_WORDS },
      );

      // What the catch-up frees (the member effects the hub has taken in) is used up too, then every attempt is refused.
      await waitUntil(() => kiosk.store.outboxDepth() === 0, "outbox acknowledged");
      fill(db);
      const refused = await scan(app, w.memberCode(members[0]!, kiosk));
      expect(refused).toEqual({ status: 200, body: { kind: "refused", code: "STORAGE_UNAVAILABLE", reason: "STORAGE_FULL", message: REFUSAL_WORDS } });
      expect(kiosk.checkout.current.name).not.toBe("shopping");
      // The display shows the words, the code in small type.
      expect(((await (await app.request("/session/view")).json()) as { notice?: unknown }).notice).toMatchObject({
        code: "STORAGE_UNAVAILABLE",
        text: REFUSAL_WORDS,
      });

      const h = await healthz(app);
      expect(h).toMatchObject({ ok: true, level: "degraded", storage: { writable: false, code: "STORAGE_FULL" } });
      expect(h.drivers.find((d) => d.component === "storage")).toMatchObject({ level: "degraded", errorCode: "STORAGE_FULL" });
      expect(await metric(app, /^kiosk_storage_errors_total\{code="STORAGE_FULL"\}/)).toBeGreaterThanOrEqual(2);
      expect(await metric(app, /^kiosk_storage_writable /)).toBe(0);
      expect(await metric(app, /^kiosk_storage_refusals_total /)).toBeGreaterThanOrEqual(2);
      expect(w.sink.find((l) => String(l.msg).includes("the ledger cannot be written") && l.code === "STORAGE_FULL" && l.level === 50)).toBeDefined();

      // Space freed: the next attempt probes, succeeds, and the sale goes through.
      unfill(db);
      const lastBefore = kiosk.store.lastSeq();
      await w.checkout(kiosk, members[1]!, [BARCODE.rice, BARCODE.milk]);
      expect(kiosk.store.lastSeq()).toBe(lastBefore + 1);
      expect(await healthz(app)).toMatchObject({ level: "ok", storage: { writable: true } });
      expect(await metric(app, /^kiosk_storage_writable /)).toBe(1);
      // Everything sold reached the hub exactly once.
      await waitUntil(() => kiosk.store.outboxDepth() === 0, "outbox acknowledged");
      expect(w.hub.ingest.ackedSeq("k1")).toBe(kiosk.store.lastSeq());
      expect(exits).toEqual([]);
    } finally {
      process.off("exit", onExit);
    }
  });

  it("refuses a payment in an open session while the ledger cannot be written, keeps the cart, and takes it once space is back", async () => {
    const { kiosk, app, db, members } = await world();
    expect((await scan(app, w.memberCode(members[0]!, kiosk))).body).toMatchObject({ kind: "member" });
    expect((await scan(app, BARCODE.rice)).body).toMatchObject({ kind: "product" });
    fill(db);
    // The probe the guard runs (on its timer, or before a refused attempt) is a real write that needs new pages: it finds the full database.
    expect(kiosk.storage.probe()).toBe(false);
    expect(kiosk.storage.state).toMatchObject({ writable: false, code: "STORAGE_FULL", where: "probe" });
    const res = await app.request("/session/finish", json({ payWith: "balance" }));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "STORAGE_UNAVAILABLE", reason: "STORAGE_FULL", message: REFUSAL_WORDS });
    expect(kiosk.checkout.current).toMatchObject({ name: "shopping", lines: [{ sku: "rice-5kg", qty: 1 }] });
    unfill(db);
    const paid = await app.request("/session/finish", json({ payWith: "balance" }));
    expect(paid.status).toBe(200);
    expect(kiosk.storage.state.writable).toBe(true);
  });
});
