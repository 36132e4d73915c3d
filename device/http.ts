// The kiosk's local HTTP API (hono): health, the customer session, the staff endpoints, the two pages and their live updates.
//
// It binds to localhost unless configured otherwise (device/main.ts). The customer endpoints answer
// only requests from this machine (the kiosk's own screen), whatever the bind address; the staff
// endpoints answer anyone who can reach the port and holds a staff session (PIN sign-in), so a staff
// tablet can be used when the kiosk binds to the store LAN. Documented in docs/kiosk-api.md.
import { readFileSync } from "node:fs";
import { Hono, type Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { Kiosk } from "./kiosk.js";
import { CheckoutError } from "./session/index.js";
import { mountStoreCors, mountStorePage } from "./store-page.js";
import { ReturnError } from "./returns.js";
import { StaffError, type StaffRole, type StaffSession } from "./staff-auth.js";
import { displayView, staffView } from "./pages/view-model.js";
import { languagesOf, pageHtml } from "./pages/view-text.js";
import { hubHealth } from "./health.js";
import { limitBodies } from "../runtime/body-limit.js";
import { isUnwritable } from "../storage/errors.js";
import { STORAGE_REFUSAL_MESSAGE } from "./storage-guard.js";

const ScanBody = z.object({ text: z.string().min(1).max(512) });
/** shoppingCardId: one of the member's shopping cards pays first (the rest as payWith says). */
const FinishBody = z.object({
  payWith: z.enum(["external", "balance", "balance-card", "counter"]).default("external"),
  shoppingCardId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
const QtyBody = z.object({ qty: z.number().int().min(0).max(999) });
const PickBody = z.object({ sku: z.string().min(1).max(64) });
const PointsBody = z.object({ use: z.boolean() });
const LoginBody = z.object({ staffId: z.string().min(1).max(64), pin: z.string().min(4).max(32) });
const DecisionBody = z.object({ decision: z.enum(["approve", "reject"]), note: z.string().max(200).optional() });
const ReturnLinesBody = z.object({
  lines: z
    .array(z.object({ index: z.number().int().min(0).max(199), qty: z.number().int().min(1).max(999) }))
    .min(1)
    .max(200),
});

/** Route groups added at the root (operations: /metrics, /sync/resync is built in). */
export type KioskMount = (app: Hono) => void;

export const STAFF_COOKIE = "kiosk_staff";

/** A Map, not an object: `constructor` or `__proto__` are not assets (they answered 500). */
const STATIC = new Map<string, string>([
  ["display.js", "text/javascript; charset=utf-8"],
  ["display-done.js", "text/javascript; charset=utf-8"],
  ["staff.js", "text/javascript; charset=utf-8"],
  ["store.js", "text/javascript; charset=utf-8"],
  ["common.js", "text/javascript; charset=utf-8"],
  ["words.js", "text/javascript; charset=utf-8"],
  ["kiosk.css", "text/css; charset=utf-8"],
  ["languages.css", "text/css; charset=utf-8"],
]);

/** Every kiosk request body is small JSON; refused over this before it is read (issue 13, finding 11). */
export const KIOSK_BODY_MAX_BYTES = 64 * 1024;

function readPage(name: string): string {
  return readFileSync(new URL(`./pages/static/${name}`, import.meta.url), "utf8");
}

function staffStatus(code: StaffError["code"]): 401 | 403 | 409 | 429 {
  switch (code) {
    case "STAFF_AUTH_REQUIRED":
    case "STAFF_SIGNIN_FAILED":
      return 401;
    case "STAFF_FORBIDDEN":
      return 403;
    case "STAFF_LOCKED":
      return 429;
    case "STAFF_NONE_CONFIGURED":
      return 409;
  }
}

/** The peer address when served by @hono/node-server; undefined for in-process requests (tests' app.request). */
function remoteAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

function isLoopback(addr: string): boolean {
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

async function body<T>(c: Context, schema: z.ZodType<T>, hint: string): Promise<{ ok: true; value: T } | { ok: false; res: Response }> {
  const raw: unknown = await c.req.json().catch(() => undefined);
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, res: c.json({ error: "INVALID_INPUT", message: hint }, 400) };
  return { ok: true, value: parsed.data };
}

/** Server-sent events: the view now, then again after every change (coalesced), with a keep-alive comment. */
function liveView(c: Context, kiosk: Kiosk, view: () => unknown): Response {
  return streamSSE(c, async (stream) => {
    let dirty = true;
    let open = true;
    let wake: (() => void) | undefined;
    const off = kiosk.onChange(() => {
      dirty = true;
      wake?.();
    });
    stream.onAbort(() => {
      open = false;
      off();
      wake?.();
    });
    try {
      while (open) {
        if (dirty) {
          dirty = false;
          await stream.writeSSE({ event: "view", data: JSON.stringify(view()) });
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 15_000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        // Coalesce bursts (a scan changes the session and the last-scan notice at once).
        if (open && dirty) await new Promise((r) => setTimeout(r, 10));
        else if (open) await stream.write(": keep-alive\n\n");
      }
    } finally {
      off();
    }
  });
}

export function createKioskApp(kiosk: Kiosk, mounts: readonly KioskMount[] = []): Hono {
  const app = new Hono();
  const pages = { display: readPage("display.html"), staff: readPage("staff.html"), store: readPage("store.html") };

  app.onError((err, c) => {
    if (err instanceof CheckoutError) {
      const status = err.code === "STORAGE_UNAVAILABLE" ? 503 : 409;
      return c.json({ error: err.code, message: err.message, ...(err.reason ? { reason: err.reason } : {}) }, status);
    }
    // A write that failed outside the checkout (returns, staff): the same refusal, never a bare 500.
    if (kiosk.storage?.failed(err, `${c.req.method} ${c.req.path}`) && isUnwritable(err)) {
      return c.json({ error: "STORAGE_UNAVAILABLE", reason: err.code, message: STORAGE_REFUSAL_MESSAGE }, 503);
    }
    if (err instanceof ReturnError) return c.json({ error: err.code, message: err.message }, err.code === "RECEIPT_UNKNOWN" ? 404 : 409);
    if (err instanceof StaffError) return c.json({ error: err.code, message: err.message }, staffStatus(err.code));
    return c.json({ error: "INTERNAL", message: "internal error" }, 500);
  });

  app.use(
    "*",
    limitBodies(() => KIOSK_BODY_MAX_BYTES),
  );

  // The customer's endpoints are for the kiosk's own screen only.
  const localOnly = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const addr = remoteAddress(c);
    if (addr !== undefined && !isLoopback(addr)) return c.json({ error: "LOCAL_ONLY", message: "the customer API answers the kiosk's own screen only" }, 403);
    await next();
  };
  app.use("/session", localOnly);
  app.use("/session/*", localOnly);
  app.use("/ui/display", localOnly);

  // Customer writes take JSON only: a page in the kiosk's browser cannot post a form or text/plain to them.
  // A write without a body (cancel, remove a line) may come without a content type.
  const jsonWrites = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const type = c.req.header("content-type");
      const length = c.req.header("content-length");
      const hasBody = length !== undefined ? length !== "0" : c.req.header("transfer-encoding") !== undefined || c.req.raw.body !== null;
      if (type !== undefined ? !type.toLowerCase().startsWith("application/json") : hasBody) {
        return c.json({ error: "UNSUPPORTED_MEDIA_TYPE", message: "请以 application/json 发送。Send the body as application/json." }, 415);
      }
    }
    await next();
  };
  app.use("/session", jsonWrites);
  app.use("/session/*", jsonWrites);

  // The store staff page calls every kiosk of the store: CORS for their origins, before the JSON check (a preflight is OPTIONS).
  mountStoreCors(app, kiosk);

  // Staff writes take JSON only (a cross-site form cannot send it), on top of the SameSite=Strict cookie.
  app.use("/staff/*", async (c, next) => {
    if (c.req.method !== "GET" && !(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return c.json({ error: "INVALID_INPUT", message: "send application/json" }, 415);
    }
    await next();
  });

  const staffToken = (c: Context): string | undefined => {
    const auth = c.req.header("authorization");
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return getCookie(c, STAFF_COOKIE);
  };
  const staff = (c: Context, role?: StaffRole): StaffSession => kiosk.staff.require(staffToken(c), role);

  // ------------------------------------------------------------------ operations

  app.get("/healthz", (c) => {
    const health = kiosk.health();
    return c.json({
      ok: health.level !== "down",
      level: health.level,
      // The broker connection only; the hub itself (presence, last ack, oldest unacknowledged sale) is `hub`.
      connected: kiosk.sync.connected,
      hub: hubHealth(kiosk.sync.hub(), kiosk.sync.connected),
      configVersion: kiosk.store.configVersion(),
      lastSeq: kiosk.store.lastSeq(),
      ackedSeq: kiosk.store.ackedSeq(),
      outboxDepth: kiosk.store.outboxDepth(),
      members: kiosk.store.memberCount(),
      clockOffsetMs: kiosk.clock.offset,
      // "synchronised" | "hub-corrected" | "unsynchronised", and why (device/clock-sync/status.ts).
      clock: kiosk.clockStatus.state,
      clockReason: kiosk.clockStatus.reason,
      storage: kiosk.storage.state,
      drivers: health.drivers,
    });
  });

  /** Sends the outbox and pulls member changes now (kioskctl resync); the hub's ack moves the mark. */
  app.post("/sync/resync", (c) => {
    kiosk.sync.requestMembers();
    kiosk.sync.flush();
    return c.json({
      connected: kiosk.sync.connected,
      outboxDepth: kiosk.store.outboxDepth(),
      ackedSeq: kiosk.store.ackedSeq(),
      lastSeq: kiosk.store.lastSeq(),
    });
  });

  // ------------------------------------------------------------------ pages

  app.get("/", (c) => c.redirect("/ui/display"));
  // The store's languages (device.display.languages) on <html>, so a Chinese-only store never shows English, not even at first paint.
  app.get("/ui/display", (c) => c.html(pageHtml(pages.display, languagesOf(kiosk.sync.current))));
  app.get("/ui/staff", (c) => c.html(pageHtml(pages.staff, languagesOf(kiosk.sync.current))));
  app.get("/ui/assets/:file", (c) => {
    const file = c.req.param("file");
    const type = STATIC.get(file);
    if (!type) return c.json({ error: "NOT_FOUND", message: "no such asset" }, 404);
    return c.body(readPage(file), 200, { "content-type": type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
  });

  // ------------------------------------------------------------------ customer session

  app.get("/session", (c) => {
    const s = kiosk.checkout.current;
    if (s.name === "idle" || s.name === "cancelled") return c.json({ state: s.name });
    return c.json({ state: s.name, memberId: s.member.memberId, lines: s.lines });
  });

  app.get("/session/view", (c) => c.json(displayView(kiosk)));
  app.get("/session/events", (c) => liveView(c, kiosk, () => displayView(kiosk)));

  /** A code typed at the kiosk (or by a hand scanner in keyboard mode): handled exactly like a camera scan. */
  app.post("/session/scan", async (c) => {
    const b = await body(c, ScanBody, "body must be { text: string (1-512 chars) }");
    if (!b.ok) return b.res;
    return c.json(kiosk.handleText(b.value.text));
  });

  // :key is the line's key in the session view: the sku, or scale-<label> for a scale-label line.
  app.put("/session/lines/:key", async (c) => {
    const b = await body(c, QtyBody, "body must be { qty: 0..999 } (0 removes the line)");
    if (!b.ok) return b.res;
    return c.json({ lines: kiosk.checkout.setQuantity(c.req.param("key"), b.value.qty) });
  });

  app.delete("/session/lines/:key", (c) => c.json({ lines: kiosk.checkout.removeLine(c.req.param("key")) }));

  /** A loose item picked from the on-screen list (only what the store's pick list offers). */
  app.post("/session/pick", async (c) => {
    const b = await body(c, PickBody, "body must be { sku: string }");
    if (!b.ok) return b.res;
    return c.json(kiosk.checkout.addPick(b.value.sku));
  });

  app.post("/session/points", async (c) => {
    const b = await body(c, PointsBody, "body must be { use: boolean }");
    if (!b.ok) return b.res;
    kiosk.checkout.setUsePoints(b.value.use);
    return c.json({ usePoints: b.value.use, totals: kiosk.checkout.sessionQuote()?.priced.totals ?? null });
  });

  app.post("/session/finish", async (c) => {
    const b = await body(c, FinishBody, "payWith must be external, balance, balance-card or counter (shoppingCardId: a card id)");
    if (!b.ok) return b.res;
    if (b.value.payWith === "counter") {
      const claim = await kiosk.checkout.payAtCounter();
      return c.json({ claimId: claim.claimId, seq: claim.seq, totals: claim.priced.totals, expiresAt: claim.expiresAt, claimUrl: claim.receipt.eReceiptUrl });
    }
    const sale = await kiosk.checkout.finish(b.value.payWith, b.value.shoppingCardId);
    return c.json({ saleId: sale.saleId, seq: sale.seq, totals: sale.priced.totals, tenders: sale.receipt.tenders });
  });

  app.post("/session/cancel", (c) => {
    kiosk.checkout.cancel("customer");
    return c.json({ state: kiosk.checkout.current.name });
  });

  // The customer display's "call staff" button: rings the staff pages and the GPIO buzzer / red LED.
  app.post("/session/call-staff", (c) => c.json(kiosk.callStaff()));

  // ------------------------------------------------------------------ staff

  mountStorePage(app, kiosk, pages.store, (c) => staff(c));

  app.post("/staff/login", async (c) => {
    const b = await body(c, LoginBody, "body must be { staffId, pin }");
    if (!b.ok) return b.res;
    const s = await kiosk.staff.signIn(b.value.staffId, b.value.pin, remoteAddress(c));
    setCookie(c, STAFF_COOKIE, s.token, { httpOnly: true, sameSite: "Strict", path: "/" });
    return c.json({ staffId: s.staffId, name: s.name, roles: s.roles, token: s.token });
  });

  app.post("/staff/logout", (c) => {
    kiosk.staff.signOut(staffToken(c));
    deleteCookie(c, STAFF_COOKIE, { path: "/" });
    return c.json({ signedOut: true });
  });

  app.get("/staff/me", (c) => {
    const s = staff(c);
    return c.json({ staffId: s.staffId, name: s.name, roles: s.roles });
  });

  app.get("/staff/view", (c) => c.json(staffView(kiosk, staff(c))));
  app.get("/staff/events", (c) => {
    const token = staffToken(c);
    const first = staff(c);
    // The stream ends with the session: after sign-out or expiry it sends one last view without data.
    return liveView(c, kiosk, () => {
      const s = kiosk.staff.session(token);
      return s ? staffView(kiosk, s) : { signedOut: true, staffId: first.staffId };
    });
  });

  app.get("/staff/verifications", (c) => c.json(staffView(kiosk, staff(c, "verify")).pending));

  app.get("/staff/verifications/:id/photo", (c) => {
    staff(c, "verify");
    const v = kiosk.checkout.pendingVerification();
    if (!v || v.verification.requestId !== c.req.param("id"))
      return c.json({ error: "VERIFICATION_GONE", message: "this verification is no longer pending" }, 410);
    const hash = (kiosk.store.member(v.member.memberId) ?? v.member).headshotHash;
    const photo = hash ? kiosk.store.photo(hash) : undefined;
    if (!photo) return c.json({ error: "NO_HEADSHOT", message: "no headshot on this kiosk for this member" }, 404);
    const type = photo.mime === "image/png" ? "image/png" : photo.mime === "image/jpeg" ? "image/jpeg" : "application/octet-stream";
    return c.body(Buffer.from(photo.bytes), 200, {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    });
  });

  app.post("/staff/verifications/:id/decision", async (c) => {
    const s = staff(c, "verify");
    const b = await body(c, DecisionBody, "body must be { decision: approve | reject, note? }");
    if (!b.ok) return b.res;
    const done = kiosk.checkout.decideVerification(c.req.param("id"), s.staffId, b.value.decision === "approve" ? "approved" : "rejected", b.value.note);
    if (!done)
      return c.json({ error: "VERIFICATION_GONE", message: "this verification is no longer pending (it lapsed, was cancelled or already decided)" }, 410);
    return c.json({ decision: b.value.decision, seq: done.seq, state: kiosk.checkout.current.name });
  });

  app.post("/staff/call/answer", (c) => {
    const s = staff(c);
    kiosk.answerStaffCall();
    return c.json({ answered: true, staffId: s.staffId });
  });

  app.post("/staff/session/cancel", (c) => {
    const s = staff(c);
    kiosk.checkout.cancel("staff");
    return c.json({ state: kiosk.checkout.current.name, staffId: s.staffId });
  });

  app.post("/staff/returns/start", (c) => {
    const s = staff(c, "returns");
    kiosk.returns.start(s.staffId);
    return c.json({ state: kiosk.returns.current.name });
  });

  app.post("/staff/returns/receipt", async (c) => {
    staff(c, "returns");
    const b = await body(c, ScanBody, "body must be { text: the receipt's QR text or receipt number }");
    if (!b.ok) return b.res;
    const r = kiosk.returns.loadReceipt(b.value.text);
    return c.json({ saleId: r.sale.saleId, lines: r.lines });
  });

  app.post("/staff/returns/preview", async (c) => {
    staff(c, "returns");
    const b = await body(c, ReturnLinesBody, "body must be { lines: [{ index, qty }] }");
    if (!b.ok) return b.res;
    return c.json(kiosk.returns.preview(b.value.lines));
  });

  app.post("/staff/returns/confirm", async (c) => {
    staff(c, "returns");
    const b = await body(c, ReturnLinesBody, "body must be { lines: [{ index, qty }] }");
    if (!b.ok) return b.res;
    const done = await kiosk.returns.confirm(b.value.lines);
    return c.json({
      returnId: done.returnId,
      seq: done.seq,
      saleId: done.saleId,
      totals: done.result.totals,
      couponsRestored: done.couponsRestored.map((x) => x.instanceId),
    });
  });

  app.post("/staff/returns/cancel", (c) => {
    staff(c, "returns");
    kiosk.returns.cancel();
    return c.json({ state: kiosk.returns.current.name });
  });

  for (const mount of mounts) mount(app);

  return app;
}
