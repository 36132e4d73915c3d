// The hub's HTTP API (hono): health, members, devices and config reads; writes need the admin token.
import { Hono } from "hono";
import { timingSafeEqual, createHash } from "node:crypto";
import type { MemberRegistry } from "./members.js";
import type { DeviceRegistry } from "./devices.js";
import type { ConfigService } from "./config-service.js";
import type { Ingest } from "./ingest.js";
import { HubError, httpStatusOf } from "./errors.js";

export interface HubHttpDeps {
  members: MemberRegistry;
  devices: DeviceRegistry;
  configs: ConfigService;
  ingest: Ingest;
  /** sha256 hex of the admin token; undefined disables the write endpoints. */
  adminTokenHash: string | undefined;
  health: () => Record<string, unknown>;
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export function createHubApp(deps: HubHttpDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof HubError) return c.json({ error: err.code, message: err.message }, httpStatusOf(err.code));
    return c.json({ error: "INTERNAL", message: "internal error" }, 500);
  });

  const requireAdmin = (authorization: string | undefined): void => {
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    if (!deps.adminTokenHash || !token) throw new HubError("UNAUTHORIZED", "admin token required");
    const expected = Buffer.from(deps.adminTokenHash, "hex");
    const actual = sha256(token);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new HubError("UNAUTHORIZED", "admin token required");
  };

  app.get("/healthz", (c) => c.json({ ok: true, ...deps.health() }));

  app.get("/members", (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const offset = Math.max(Number(c.req.query("offset") ?? 0) || 0, 0);
    return c.json({ members: deps.members.list(limit, offset) });
  });

  app.get("/members/:id", (c) => {
    const m = deps.members.get(c.req.param("id"));
    if (!m) throw new HubError("NOT_FOUND", "no such member");
    return c.json(m);
  });

  app.get("/devices", (c) => c.json({ devices: deps.devices.list() }));

  app.get("/stores/:store/config", (c) => {
    const latest = deps.configs.latest(c.req.param("store"));
    if (!latest) throw new HubError("NOT_FOUND", "no config for this store");
    return c.json({ version: latest.version, content: latest.content });
  });

  app.post("/stores/:store/config", async (c) => {
    requireAdmin(c.req.header("authorization"));
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HubError("INVALID_INPUT", "body must be JSON");
    }
    if (typeof body !== "object" || body === null) throw new HubError("INVALID_INPUT", "body must be an object with rules and device");
    const published = deps.configs.publish(c.req.param("store"), body as Record<string, unknown>);
    return c.json({ version: published.version }, 201);
  });

  app.get("/stats/ingest", (c) => c.json(deps.ingest.stats));

  return app;
}
