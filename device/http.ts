// The kiosk's local HTTP API (hono): health, the current session, finishing and cancelling it.
//
// It binds to localhost unless configured otherwise. Issue #6 adds the customer and staff pages and
// the staff session; this is the thin API the skeleton needs to drive a checkout from outside.
import { Hono } from "hono";
import type { Kiosk } from "./kiosk.js";
import { z } from "zod";
import { CheckoutError } from "./checkout.js";

const ScanBody = z.object({ text: z.string().min(1).max(512) });
const FinishBody = z.object({ payWith: z.enum(["external", "balance"]).default("external") });

/** Route groups added at the root (operations: /metrics). */
export type KioskMount = (app: Hono) => void;

export function createKioskApp(kiosk: Kiosk, mounts: readonly KioskMount[] = []): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof CheckoutError) return c.json({ error: err.code, message: err.message }, 409);
    return c.json({ error: "INTERNAL", message: "internal error" }, 500);
  });

  app.get("/healthz", (c) => {
    const health = kiosk.health();
    return c.json({
      ok: health.level !== "down",
      level: health.level,
      connected: kiosk.sync.connected,
      configVersion: kiosk.store.configVersion(),
      lastSeq: kiosk.store.lastSeq(),
      ackedSeq: kiosk.store.ackedSeq(),
      outboxDepth: kiosk.store.outboxDepth(),
      members: kiosk.store.memberCount(),
      clockOffsetMs: kiosk.clock.offset,
      drivers: health.drivers,
    });
  });

  app.get("/session", (c) => {
    const s = kiosk.checkout.current;
    if (s.name === "idle") return c.json({ state: "idle" });
    return c.json({ state: s.name, memberId: s.member.memberId, lines: s.lines });
  });

  /** A code typed at the kiosk (or by a hand scanner in keyboard mode): handled exactly like a camera scan. */
  app.post("/session/scan", async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const parsed = ScanBody.safeParse(body);
    if (!parsed.success) return c.json({ error: "INVALID_INPUT", message: "body must be { text: string (1-512 chars) }" }, 400);
    return c.json(kiosk.handleText(parsed.data.text));
  });

  app.post("/session/finish", async (c) => {
    const raw: unknown = await c.req.json().catch(() => ({}));
    const parsed = FinishBody.safeParse(raw ?? {});
    if (!parsed.success) return c.json({ error: "INVALID_INPUT", message: "payWith must be external or balance" }, 400);
    const sale = await kiosk.checkout.finish(parsed.data.payWith);
    return c.json({ saleId: sale.saleId, seq: sale.seq, totals: sale.priced.totals, tenders: sale.receipt.tenders });
  });

  app.post("/session/cancel", (c) => {
    kiosk.checkout.cancel();
    return c.json({ state: "idle" });
  });

  /** Sends the outbox and pulls member changes now (kioskctl resync); the hub's ack moves the mark. */
  app.post("/sync/resync", (c) => {
    kiosk.sync.requestMembers();
    kiosk.sync.flush();
    return c.json({ connected: kiosk.sync.connected, outboxDepth: kiosk.store.outboxDepth(), ackedSeq: kiosk.store.ackedSeq(), lastSeq: kiosk.store.lastSeq() });
  });

  for (const mount of mounts) mount(app);

  return app;
}
