// The hub's HTTP API (hono): health, members, devices and config reads; writes need the admin token.
import { Hono } from "hono";
import { timingSafeEqual, createHash } from "node:crypto";
import type { MemberRegistry } from "./members.js";
import type { DeviceRegistry } from "./devices.js";
import type { ConfigService } from "./config-service.js";
import type { Ingest } from "./ingest.js";
import type { Rollouts, RolloutStatus } from "./rollouts.js";
import type { PublishedConfig } from "./config-service.js";
import { HubError, httpStatusOf } from "./errors.js";

export interface HubHttpDeps {
  members: MemberRegistry;
  devices: DeviceRegistry;
  configs: ConfigService;
  ingest: Ingest;
  rollouts: Rollouts;
  /** Signs the next version (from `draft`, or composed from the layers) and starts its rollout. */
  publish: (storeId: string, draft: Record<string, unknown> | undefined, plan: unknown) => { config: PublishedConfig; rollout: RolloutStatus };
  /** sha256 hex of the admin token; undefined disables the write endpoints. */
  adminTokenHash: string | undefined;
  health: () => Record<string, unknown>;
  /**
   * Checks an admin Authorization header, replacing the built-in check against adminTokenHash (the
   * back office passes one that also accepts its hq-admin users' tokens).
   */
  requireAdmin?: (authorization: string | undefined) => void;
  /** Route groups added at the root (operations: /metrics, /provision, broker hooks, member import). */
  mounts?: ReadonlyArray<(app: Hono, requireAdmin: (authorization: string | undefined) => void) => void>;
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

  const requireAdmin = deps.requireAdmin ?? ((authorization: string | undefined): void => {
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    if (!deps.adminTokenHash || !token) throw new HubError("UNAUTHORIZED", "admin token required");
    const expected = Buffer.from(deps.adminTokenHash, "hex");
    const actual = sha256(token);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new HubError("UNAUTHORIZED", "admin token required");
  });

  app.get("/healthz", (c) => c.json({ ok: true, ...deps.health() }));

  // Member records are personal data: reading them needs a staff token like any write.
  app.get("/members", (c) => {
    requireAdmin(c.req.header("authorization"));
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const offset = Math.max(Number(c.req.query("offset") ?? 0) || 0, 0);
    return c.json({ members: deps.members.list(limit, offset) });
  });

  app.get("/members/:id", (c) => {
    requireAdmin(c.req.header("authorization"));
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

  const jsonObject = async (req: { json(): Promise<unknown> }): Promise<Record<string, unknown>> => {
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      throw new HubError("INVALID_INPUT", "body must be JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HubError("INVALID_INPUT", "body must be a JSON object");
    return body as Record<string, unknown>;
  };

  /** Full content: body `{ rules, device, rollout? }`; signs the next version and rolls it out. */
  app.post("/stores/:store/config", async (c) => {
    requireAdmin(c.req.header("authorization"));
    const { rollout, ...draft } = await jsonObject(c.req);
    const { config, rollout: status } = deps.publish(c.req.param("store"), draft, rollout);
    return c.json({ version: config.version, rollout: status }, 201);
  });

  /** Chain defaults and store overrides (partial bundles), then a publish built from them. */
  app.put("/config/chain", async (c) => {
    requireAdmin(c.req.header("authorization"));
    deps.configs.setLayer({ kind: "chain" }, await jsonObject(c.req));
    return c.json({ ok: true });
  });
  app.put("/stores/:store/config/overrides", async (c) => {
    requireAdmin(c.req.header("authorization"));
    deps.configs.setLayer({ kind: "store", storeId: c.req.param("store") }, await jsonObject(c.req));
    return c.json({ ok: true });
  });
  app.post("/stores/:store/publish", async (c) => {
    requireAdmin(c.req.header("authorization"));
    const body = await jsonObject(c.req);
    const { config, rollout } = deps.publish(c.req.param("store"), undefined, body.rollout);
    return c.json({ version: config.version, rollout }, 201);
  });

  app.get("/stores/:store/rollouts", (c) => c.json({ rollouts: deps.rollouts.list(c.req.param("store")) }));
  app.get("/rollouts/:id", (c) => {
    const id = Number(c.req.param("id"));
    if (!Number.isInteger(id) || id <= 0) throw new HubError("INVALID_INPUT", "rollout id must be a positive integer");
    return c.json(deps.rollouts.status(id));
  });

  app.get("/stats/ingest", (c) => c.json(deps.ingest.stats));

  for (const mount of deps.mounts ?? []) mount(app, requireAdmin);

  return app;
}
