// The console's fleet routes: kiosks by store with presence, config, outbox, clock, health and software (filters behind / offline / errors), remote commands with their outcome, and provisioning a new kiosk (one-time token and the command for the Pi).
import { z } from "zod";
import { COMMAND_TYPES } from "../../protocol/commands.js";
import type { DeviceRegistry } from "../devices.js";
import type { FleetCommands } from "../fleet.js";
import { kioskView, matchesFilter, type KioskView } from "../fleet-view.js";
import type { ProvisionToken } from "../provisioning.js";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";

/** What the fleet routes work through (hub/compose.ts gives the hub's own; the back office builds one otherwise). */
export interface FleetRouteDeps {
  devices: DeviceRegistry;
  commands: FleetCommands;
  /** Makes a one-time provisioning token (hub/provisioning.ts); absent where the hub does not provision. */
  createToken?: (storeId: string, deviceId: string, ttlMs?: number) => ProvisionToken;
  /** The hub's URL as a kiosk reaches it for `kioskctl provision --hub` (default: the origin the console used). */
  hubUrl?: () => string | undefined;
}

const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
const Int = z.number().int();
const NInt = Int.nullable();

const Driver = obj({ component: z.string(), driver: z.string(), level: z.string(), errorCode: z.string().nullable(), message: z.string().nullable() });
const CommandRowResponse = obj({
  commandId: z.string(),
  storeId: z.string(),
  deviceId: z.string(),
  type: z.string(),
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  status: z.enum(["sent", "ok", "failed", "refused", "expired"]),
  actor: z.string(),
  actorRole: z.string(),
  issuedAt: Int,
  expiresAt: Int,
  kioskOnline: z.boolean(),
  answeredAt: NInt,
  code: z.string().nullable(),
  message: z.string().nullable(),
});
const KioskResponse = obj({
  deviceId: z.string(),
  storeId: z.string(),
  presence: z.enum(["online", "stale", "offline", "never"]),
  lastSeenAt: NInt,
  offlineForMs: NInt,
  config: obj({ desired: Int, applied: Int, reported: NInt, error: z.string().nullable() }),
  outboxDepth: NInt,
  oldestUnsentAt: NInt,
  clockOffsetMs: NInt,
  health: obj({ level: z.string().nullable(), drivers: z.array(Driver) }),
  software: obj({ version: z.string(), runtime: z.string() }).nullable(),
  quarantined: Int,
  flags: obj({ behind: z.boolean(), offlineLong: z.boolean(), errors: z.boolean() }),
  lastCommand: CommandRowResponse.nullable(),
});
const FleetResponse = obj({
  storeId: z.string(),
  now: Int,
  counts: obj({ total: Int, online: Int, behind: Int, offlineLong: Int, errors: Int }),
  kiosks: z.array(KioskResponse),
});

const StoreParams = z.strictObject({ store: Id });
const DeviceParams = z.strictObject({ device: Id });
const CommandBody = z.strictObject({
  type: z.enum(COMMAND_TYPES),
  args: z.strictObject({ pulseMs: z.number().int().min(100).max(10_000).optional() }).optional(),
  /** How long the command may wait for the kiosk; default per type (open-gate 30 s). */
  ttlSeconds: z.number().int().min(5).max(900).optional(),
});

export function registerFleetRoutes(r: Routes, d: BackofficeDeps, f: FleetRouteDeps): void {
  const deviceIn = (deviceId: string) => {
    const dev = f.devices.get(deviceId);
    if (!dev) throw new HubError("NOT_FOUND", `no kiosk ${deviceId}`);
    return dev;
  };

  r.staff(
    {
      method: "get",
      path: "/stores/:store/fleet",
      tag: "fleet",
      summary:
        "A store's kiosks: presence, last seen, config desired / applied, outbox depth and oldest unsent entry, clock offset, driver health, software, the last command",
      description:
        "presence: online (heard within 2 min), stale (said online, not heard since), offline (its last will or a clean stop), never. Filters: behind (config applied < desired, or unsent entries older than 5 min), offline (offline or not heard for more than 10 min, or never seen), errors (a driver down or degraded, a config that failed, quarantined member changes).",
      roles: MANAGERS,
      params: StoreParams,
      query: z.strictObject({ filter: z.enum(["behind", "offline", "errors"]).optional() }),
      response: FleetResponse,
    },
    ({ params, query, principal }) => {
      requireStore(principal, params.store);
      const now = d.clock.now();
      const all: KioskView[] = f.devices
        .list()
        .filter((x) => x.storeId === params.store)
        .map((x) => kioskView(x, now));
      const recent = f.commands.list({ storeId: params.store, limit: 500 });
      const lastOf = new Map<string, (typeof recent)[number]>();
      for (const c of recent) if (!lastOf.has(c.deviceId)) lastOf.set(c.deviceId, c);
      return {
        storeId: params.store,
        now,
        counts: {
          total: all.length,
          online: all.filter((k) => k.presence === "online").length,
          behind: all.filter((k) => k.flags.behind).length,
          offlineLong: all.filter((k) => k.flags.offlineLong).length,
          errors: all.filter((k) => k.flags.errors).length,
        },
        kiosks: all.filter((k) => matchesFilter(k, query.filter)).map((k) => ({ ...k, lastCommand: lastOf.get(k.deviceId) ?? null })),
      };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/stores/:store/kiosk-commands",
      tag: "fleet",
      summary: "A store's remote commands, newest first, with who sent them and the kiosk's answer (expired ones marked)",
      roles: MANAGERS,
      params: StoreParams,
      query: z.strictObject({ device: Id.optional(), limit: z.coerce.number().int().min(1).max(200).optional() }),
      response: obj({ commands: z.array(CommandRowResponse) }),
    },
    ({ params, query, principal }) => {
      requireStore(principal, params.store);
      return { commands: f.commands.list({ storeId: params.store, ...(query.device ? { deviceId: query.device } : {}), limit: query.limit ?? 50 }) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/kiosks/:device/commands",
      tag: "fleet",
      summary: "Send a kiosk a remote command (open the gate once, resync members, reprint the last receipt, restart the service, print a test page); audited",
      description:
        "The command is recorded, signed with the HQ key and sent on the kiosk's own MQTT topic; the kiosk answers ok, failed or refused. A command nobody answers (the kiosk offline) shows as expired after its lifetime. At most 6 commands per kiosk and 30 per person a minute (REFUSED COMMAND_RATE_LIMITED). An Idempotency-Key replay returns the first command.",
      roles: MANAGERS,
      params: DeviceParams,
      body: CommandBody,
      idempotent: true,
      status: 201,
      response: CommandRowResponse,
      errors: { 404: "no such kiosk", 409: "Idempotency-Key used for another command", 422: "COMMAND_RATE_LIMITED" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, deviceIn(params.device).storeId);
      if (body.type !== "open-gate" && body.args?.pulseMs !== undefined) throw new HubError("INVALID_INPUT", "body.args.pulseMs: only for open-gate");
      return f.commands.send({
        deviceId: params.device,
        type: body.type,
        ...(body.args?.pulseMs !== undefined ? { args: { pulseMs: body.args.pulseMs } } : {}),
        ...(body.ttlSeconds ? { ttlMs: body.ttlSeconds * 1000 } : {}),
        actor,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/kiosk-commands/:commandId",
      tag: "fleet",
      summary: "One remote command and its outcome",
      roles: MANAGERS,
      params: z.strictObject({ commandId: z.string().regex(/^cmd-[A-Za-z0-9_-]{1,40}$/) }),
      response: CommandRowResponse,
      errors: { 404: "no such command" },
    },
    ({ params, principal }) => {
      f.commands.expireDue();
      const c = f.commands.get(params.commandId);
      if (!c) throw new HubError("NOT_FOUND", `no command ${params.commandId}`);
      requireStore(principal, c.storeId);
      return c;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/stores/:store/kiosks/provision",
      tag: "fleet",
      summary: "Provision a new kiosk: a one-time token (shown once) and the command to run on the Pi; audited without the token",
      roles: HQ,
      params: StoreParams,
      body: z.strictObject({ deviceId: Id, ttlMinutes: z.number().int().min(5).max(10_080).optional() }),
      status: 201,
      response: obj({ storeId: z.string(), deviceId: z.string(), token: z.string(), expiresAt: Int, hubUrl: z.string(), command: z.string() }),
      errors: { 409: "the device id belongs to another store", 422: "PROVISIONING_UNAVAILABLE" },
    },
    ({ c, params, body, actor }) => {
      if (!f.createToken) throw new HubError("REFUSED", "this hub does not provision kiosks", { reason: "PROVISIONING_UNAVAILABLE" });
      const t = f.createToken(params.store, body.deviceId, body.ttlMinutes ? body.ttlMinutes * 60_000 : undefined);
      const hubUrl = f.hubUrl?.() ?? new URL(c.req.url).origin;
      d.audit.recordInTx({
        actor,
        action: "kiosk.provision-token",
        entity: "kiosk",
        entityId: body.deviceId,
        storeId: params.store,
        after: { expiresAt: t.expiresAt, existing: f.devices.get(body.deviceId) !== undefined },
      });
      return {
        storeId: t.storeId,
        deviceId: t.deviceId,
        token: t.token,
        expiresAt: t.expiresAt,
        hubUrl,
        command: `sudo kioskctl provision --hub ${hubUrl} --token ${t.token}`,
      };
    },
  );
}
