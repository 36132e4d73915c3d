// The store staff page (/ui/store): one tablet sign-in sees every kiosk of the store. Every kiosk serves it; the page talks to each kiosk itself, so CORS for the store's kiosk origins on /staff/* is here.
//
// Decision (docs/kiosk-api.md "One staff page per store"): not the hub (the page must work when the
// hub is unreachable) and not one kiosk proxying the others (kiosks share no credential to trust each
// other with, and that kiosk would be a single point of failure). The kiosks of a store are listed in
// the signed config (device.storeKiosks); the page, opened from any of them, signs in to each with the
// same staff id and PIN (every kiosk checks it against the same signed hashes) and keeps one bearer
// token per kiosk. A kiosk that is down shows as unreachable; the others keep working.
import type { Context, Hono } from "hono";
import type { ConfigContent } from "../protocol/messages.js";
import type { Kiosk } from "./kiosk.js";
import type { DisplayLanguages } from "../protocol/device-policy.js";
import { languagesOf, pageHtml } from "./pages/view-text.js";
import type { StaffSession } from "./staff-auth.js";

/** The origins of the store's kiosks (scheme://host:port) from the signed config. */
export function storeOrigins(config: ConfigContent | undefined): Set<string> {
  const out = new Set<string>();
  for (const k of config?.device.storeKiosks ?? []) {
    try {
      out.add(new URL(k.url).origin);
    } catch {
      // The schema checks the URL; nothing to add for one that does not parse.
    }
  }
  return out;
}

const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, PUT, DELETE",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": "600",
};

/**
 * CORS on /staff/* for the store's kiosk origins only: a preflight from one of them is answered, one
 * from anywhere else refused; answers to a listed origin say so. No credentials (cookies) cross
 * origins: the store page sends its per-kiosk bearer token, so a page elsewhere cannot act as staff.
 */
export function mountStoreCors(app: Hono, kiosk: Kiosk): void {
  app.use("/staff/*", async (c, next) => {
    const origin = c.req.header("origin");
    const allowed = origin !== undefined && storeOrigins(kiosk.sync.current).has(origin);
    if (c.req.method === "OPTIONS") {
      if (!allowed) return c.json({ error: "STAFF_FORBIDDEN", message: "not a kiosk of this store" }, 403);
      return c.body(null, 204, { ...CORS_HEADERS, "access-control-allow-origin": origin, vary: "Origin" });
    }
    await next();
    if (allowed) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.append("vary", "Origin");
    }
  });
}

export interface StoreKiosksView {
  storeName: string;
  /** The store's device.display.languages: "zh" the page shows Chinese only. */
  languages: DisplayLanguages;
  /** The kiosk that answered (the page's own origin may not be in the list, e.g. on localhost). */
  self: string;
  kiosks: Array<{ deviceId: string; url: string }>;
}

/** GET /staff/store (any staff session): the kiosks the store page signs in to. */
export function mountStorePage(app: Hono, kiosk: Kiosk, page: string, staff: (c: Context) => StaffSession): void {
  app.get("/ui/store", (c) => c.html(pageHtml(page, languagesOf(kiosk.sync.current))));
  app.get("/staff/store", (c) => {
    staff(c);
    const config = kiosk.sync.current;
    const listed = config?.device.storeKiosks ?? [];
    const view: StoreKiosksView = {
      storeName: config?.device.storeName ?? "Member Store",
      languages: languagesOf(config),
      self: kiosk.deviceId,
      kiosks: listed.map((k) => ({ deviceId: k.deviceId, url: k.url })),
    };
    return c.json(view);
  });
}
