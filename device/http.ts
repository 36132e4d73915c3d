// The kiosk's local HTTP API (hono): health, the current session, finishing and cancelling it.
//
// It binds to localhost unless configured otherwise. Issue #6 adds the customer and staff pages and
// the staff session; this is the thin API the skeleton needs to drive a checkout from outside.
import { Hono } from "hono";
import type { Kiosk } from "./kiosk.js";
import { CheckoutError } from "./checkout.js";

export function createKioskApp(kiosk: Kiosk): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof CheckoutError) return c.json({ error: err.code, message: err.message }, 409);
    return c.json({ error: "INTERNAL", message: "internal error" }, 500);
  });

  app.get("/healthz", (c) =>
    c.json({
      ok: true,
      connected: kiosk.sync.connected,
      configVersion: kiosk.store.configVersion(),
      lastSeq: kiosk.store.lastSeq(),
      ackedSeq: kiosk.store.ackedSeq(),
      outboxDepth: kiosk.store.outboxDepth(),
      members: kiosk.store.memberCount(),
      clockOffsetMs: kiosk.clock.offset,
      drivers: kiosk.health(),
    }),
  );

  app.get("/session", (c) => {
    const s = kiosk.checkout.current;
    if (s.name === "idle") return c.json({ state: "idle" });
    return c.json({ state: s.name, memberId: s.member.memberId, lines: s.lines });
  });

  app.post("/session/finish", async (c) => {
    const sale = await kiosk.checkout.finish();
    return c.json({ saleId: sale.saleId, seq: sale.seq, totals: sale.priced.totals });
  });

  app.post("/session/cancel", (c) => {
    kiosk.checkout.cancel();
    return c.json({ state: "idle" });
  });

  return app;
}
