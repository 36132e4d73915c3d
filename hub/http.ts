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
import { limitBodies, type BodyLimit } from "../runtime/body-limit.js";
import { PHOTO_MAX_BYTES } from "./members.js";
import { redactConfigSecrets } from "./config-redact.js";

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
  /** Totals from the database for /stats/ingest (the in-memory counters restart with the process). */
  ingestTotals?: () => Record<string, unknown>;
  /** When this hub process started (ms), for the "since start" counters. */
  startedAt?: number;
  /**
   * Checks an admin Authorization header, replacing the built-in check against adminTokenHash (the
   * back office passes one that also accepts its hq-admin users' tokens).
   */
  requireAdmin?: (authorization: string | undefined) => void;
  /** Route groups added at the root (operations: /metrics, /provision, broker hooks, member import). */
  mounts?: ReadonlyArray<(app: Hono, requireAdmin: (authorization: string | undefined) => void) => void>;
}

/**
 * Body limits per route, enforced before any route reads (issue 13, finding 11): small for the
 * unauthenticated endpoints, larger for the JSON member import and headshots, streamed (declared
 * length checked here, bytes counted by the route against settings.import.maxBytes) for file imports.
 */
export function hubBodyLimit(_method: string, path: string): BodyLimit {
  if (path === "/provision" || path.startsWith("/broker/")) return 4 * 1024;
  if (path === "/members/import") return 8 * 1024 * 1024;
  if (path === "/bo/members/import") return { stream: 8 * 1024 ** 3 };
  if (path === "/bo/config/catalog/import") return { stream: 32 * 1024 * 1024 };
  if (/^\/bo\/members\/[^/]+\/headshot$/.test(path)) return PHOTO_MAX_BYTES;
  return 1024 * 1024;
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
  app.use("*", limitBodies(hubBodyLimit));

  const requireAdmin =
    deps.requireAdmin ??
    ((authorization: string | undefined): void => {
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

  // A store's config carries staff PIN hashes: reading it needs the admin token, and secrets are redacted.
  app.get("/stores/:store/config", (c) => {
    requireAdmin(c.req.header("authorization"));
    const latest = deps.configs.latest(c.req.param("store"));
    if (!latest) throw new HubError("NOT_FOUND", "no config for this store");
    return c.json({ version: latest.version, content: redactConfigSecrets(latest.content) });
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

  /** Chain defaults and store overrides (partial bundles), then a publish built from them. Reads: admin token, secrets redacted. */
  app.get("/config/chain", (c) => {
    requireAdmin(c.req.header("authorization"));
    const layer = deps.configs.getLayer({ kind: "chain" });
    return c.json({ scope: "chain", layer: layer ? redactConfigSecrets(layer) : null });
  });
  app.get("/stores/:store/config/overrides", (c) => {
    requireAdmin(c.req.header("authorization"));
    const layer = deps.configs.getLayer({ kind: "store", storeId: c.req.param("store") });
    return c.json({ scope: "store", storeId: c.req.param("store"), layer: layer ? redactConfigSecrets(layer) : null });
  });
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

  // The flat counters are this process's, since it started (they reset on a restart and count only
  // this instance); `totals` are read from the database: every instance, since the hub was installed.
  app.get("/stats/ingest", (c) =>
    c.json({
      ...deps.ingest.stats,
      scope: "since start",
      ...(deps.startedAt !== undefined ? { since: new Date(deps.startedAt).toISOString() } : {}),
      ...(deps.ingestTotals ? { totals: deps.ingestTotals() } : {}),
    }),
  );

  for (const mount of deps.mounts ?? []) mount(app, requireAdmin);

  return app;
}
