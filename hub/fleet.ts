// Remote commands to kiosks: each one recorded (kiosk_commands) and audited, signed with the HQ key, sent on the kiosk's own topic, answered by the kiosk, expired when no answer comes.
//
// A command is a row first (status `sent`), then an MQTT message: the row says who asked, what, for
// which kiosk, until when, and whether the kiosk was online. The kiosk answers ok / failed / refused
// on its commands/result topic; a row still `sent` a few seconds past its expiry becomes `expired`
// (OFFLINE when the kiosk was not online, NO_ANSWER otherwise). Kiosks connect with a clean session,
// so a command to an offline kiosk is sent again when it comes online inside its lifetime; the
// kiosk runs a command id once. Sends are rate-limited per kiosk and per person.
import { createHash, randomBytes } from "node:crypto";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { SignedEnvelope } from "../protocol/signing.js";
import type { DeviceAddress } from "../protocol/topics.js";
import { DEFAULT_TTL_MS, KioskCommandSchema, MAX_TTL_MS, isCommandType, type CommandResult, type KioskCommand } from "../protocol/commands.js";
import type { Actor, AuditLog } from "./audit.js";
import type { DeviceRegistry } from "./devices.js";
import { presenceOf } from "./fleet-view.js";
import { HubError } from "./errors.js";

export type CommandStatus = "sent" | "ok" | "failed" | "refused" | "expired";

export interface CommandRow {
  commandId: string;
  storeId: string;
  deviceId: string;
  type: string;
  args: Record<string, string | number | boolean>;
  status: CommandStatus;
  actor: string;
  actorRole: string;
  issuedAt: number;
  expiresAt: number;
  /** Whether the kiosk was online when the command was sent. */
  kioskOnline: boolean;
  answeredAt: number | null;
  /** The kiosk's code (protocol/commands.ts COMMAND_CODES), or OFFLINE / NO_ANSWER for an expired one. */
  code: string | null;
  message: string | null;
}

interface DbRow {
  command_id: string;
  store_id: string;
  device_id: string;
  type: string;
  args: string;
  status: CommandStatus;
  actor_id: string;
  actor_role: string;
  issued_at: number;
  expires_at: number;
  kiosk_online: number;
  answered_at: number | null;
  result_code: string | null;
  message: string | null;
}

const toRow = (r: DbRow): CommandRow => ({
  commandId: r.command_id,
  storeId: r.store_id,
  deviceId: r.device_id,
  type: r.type,
  args: JSON.parse(r.args) as CommandRow["args"],
  status: r.status,
  actor: r.actor_id,
  actorRole: r.actor_role,
  issuedAt: Number(r.issued_at),
  expiresAt: Number(r.expires_at),
  kioskOnline: Number(r.kiosk_online) === 1,
  answeredAt: r.answered_at === null ? null : Number(r.answered_at),
  code: r.result_code,
  message: r.message,
});

export interface SendCommand {
  deviceId: string;
  type: string;
  args?: Record<string, string | number | boolean>;
  /** How long the command may wait for the kiosk (default per type, at most 15 minutes). */
  ttlMs?: number;
  actor: Actor;
  /** A replay with the same key (same person) returns the first command instead of sending another. */
  idempotencyKey?: string;
}

export interface FleetLimits {
  perDevicePerMinute: number;
  perActorPerMinute: number;
  /** How long past its expiry a command waits for a late answer before it shows as expired. */
  graceMs: number;
}

export const DEFAULT_FLEET_LIMITS: FleetLimits = { perDevicePerMinute: 6, perActorPerMinute: 30, graceMs: 5_000 };

export class FleetCommands {
  /** Publishes a signed command on the kiosk's commands topic (the MQTT link); false when it could not. */
  onSend: ((device: DeviceAddress, envelope: SignedEnvelope) => boolean) | undefined;
  readonly stats = { sent: 0, answered: 0, expired: 0, lateAnswers: 0, unknownAnswers: 0 };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly devices: DeviceRegistry,
    private readonly sign: (value: unknown) => SignedEnvelope,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly limits: FleetLimits = DEFAULT_FLEET_LIMITS,
  ) {}

  /** Records, audits, signs and sends one command; returns its row (the first one again for a replayed idempotency key). */
  send(req: SendCommand): CommandRow {
    const device = this.devices.get(req.deviceId);
    if (!device) throw new HubError("NOT_FOUND", `no kiosk ${req.deviceId}`);
    const now = this.clock.now();
    const commandId = req.idempotencyKey
      ? `cmd-${createHash("sha256").update(`${req.actor.id}\n${req.idempotencyKey}`).digest("base64url").slice(0, 24)}`
      : `cmd-${randomBytes(12).toString("base64url")}`;
    const known = isCommandType(req.type);
    const ttl = req.ttlMs ?? (known ? DEFAULT_TTL_MS[req.type as keyof typeof DEFAULT_TTL_MS] : 60_000);
    if (!Number.isInteger(ttl) || ttl < 5_000 || ttl > MAX_TTL_MS) throw new HubError("INVALID_INPUT", `ttl must be 5 s to ${MAX_TTL_MS / 60_000} min`);
    const command: KioskCommand = KioskCommandSchema.parse({
      commandId,
      type: req.type,
      args: req.args ?? {},
      chainId: device.chainId,
      storeId: device.storeId,
      deviceId: device.deviceId,
      issuedAt: now,
      expiresAt: now + ttl,
      by: req.actor.id.slice(0, 64),
    });
    const online = presenceOf(device, now) === "online";
    const row = this.db.transaction(() => {
      const existing = this.get(commandId);
      if (existing) {
        if (existing.deviceId !== req.deviceId || existing.type !== req.type)
          throw new HubError("CONFLICT", "this Idempotency-Key was used for another command", { reason: "IDEMPOTENCY_KEY_REUSED" });
        return { row: existing, fresh: false };
      }
      const since = now - 60_000;
      const perDevice = this.count("device_id = ? AND issued_at > ?", req.deviceId, since);
      if (perDevice >= this.limits.perDevicePerMinute)
        throw new HubError("REFUSED", `kiosk ${req.deviceId} already had ${perDevice} commands this minute; wait a minute`, { reason: "COMMAND_RATE_LIMITED" });
      const perActor = this.count("actor_id = ? AND issued_at > ?", req.actor.id, since);
      if (perActor >= this.limits.perActorPerMinute)
        throw new HubError("REFUSED", `you sent ${perActor} commands this minute; wait a minute`, { reason: "COMMAND_RATE_LIMITED" });
      this.db
        .prepare(
          `INSERT INTO kiosk_commands (command_id, store_id, device_id, type, args, status, actor_id, actor_role, issued_at, expires_at, kiosk_online)
           VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?)`,
        )
        .run(
          commandId,
          device.storeId,
          device.deviceId,
          command.type,
          JSON.stringify(command.args),
          req.actor.id,
          req.actor.role ?? "",
          command.issuedAt,
          command.expiresAt,
          online ? 1 : 0,
        );
      this.audit.recordInTx({
        actor: req.actor,
        action: "kiosk.command",
        entity: "kiosk",
        entityId: device.deviceId,
        storeId: device.storeId,
        after: { commandId, type: command.type, args: command.args, expiresAt: command.expiresAt, kioskOnline: online },
      });
      return { row: this.get(commandId)!, fresh: true };
    });
    if (!row.fresh) return row.row;
    this.stats.sent++;
    const published = this.publish(device, command);
    this.log.info({ commandId, device: device.deviceId, type: command.type, by: req.actor.id, online, published }, "kiosk command sent");
    return row.row;
  }

  private publish(device: DeviceAddress, command: KioskCommand): boolean {
    try {
      return this.onSend?.({ chainId: device.chainId, storeId: device.storeId, deviceId: device.deviceId }, this.sign(command)) ?? false;
    } catch (err) {
      this.log.error({ err: String(err), commandId: command.commandId }, "kiosk command could not be published");
      return false;
    }
  }

  private count(where: string, ...args: Array<string | number>): number {
    return Number(this.db.prepare(`SELECT COUNT(*) AS n FROM kiosk_commands WHERE ${where}`).get<{ n: number }>(...args)?.n ?? 0);
  }

  /**
   * A kiosk's answer. Only the kiosk a command was for can answer it (the topic says who sent it);
   * the first answer counts, also one arriving after the row showed as expired (the kiosk's word on
   * whether it ran wins). Returns whether a row changed.
   */
  onResult(deviceId: string, result: CommandResult): boolean {
    const row = this.get(result.commandId);
    if (!row || row.deviceId !== deviceId) {
      this.stats.unknownAnswers++;
      this.log.warn({ device: deviceId, commandId: result.commandId }, "answer to a command this kiosk was not sent; ignored");
      return false;
    }
    if (row.answeredAt !== null) return false;
    if (row.status === "expired") this.stats.lateAnswers++;
    this.db
      .prepare("UPDATE kiosk_commands SET status = ?, answered_at = ?, result_code = ?, message = ? WHERE command_id = ? AND answered_at IS NULL")
      .run(result.outcome, this.clock.now(), result.code, result.message, result.commandId);
    this.stats.answered++;
    this.log.info({ device: deviceId, commandId: result.commandId, outcome: result.outcome, code: result.code }, "kiosk command answered");
    return true;
  }

  /** Marks `sent` commands past expiry (and the grace for a late answer) as expired; returns how many. */
  expireDue(): number {
    const cutoff = this.clock.now() - this.limits.graceMs;
    const r = this.db
      .prepare(
        `UPDATE kiosk_commands SET status = 'expired',
           result_code = CASE WHEN kiosk_online = 1 THEN 'NO_ANSWER' ELSE 'OFFLINE' END,
           message = CASE WHEN kiosk_online = 1 THEN 'no answer from the kiosk before the command expired'
                          ELSE 'the kiosk was offline; the command expired undelivered' END
         WHERE status = 'sent' AND expires_at < ?`,
      )
      .run(cutoff);
    const n = Number(r.changes ?? 0);
    this.stats.expired += n;
    return n;
  }

  /** A kiosk came online: its commands still inside their lifetime go again (it runs each id once). */
  resendPending(deviceId: string): number {
    const device = this.devices.get(deviceId);
    if (!device) return 0;
    const now = this.clock.now();
    const rows = this.db
      .prepare("SELECT * FROM kiosk_commands WHERE device_id = ? AND status = 'sent' AND answered_at IS NULL AND expires_at > ? ORDER BY issued_at")
      .all<DbRow>(deviceId, now)
      .map(toRow);
    for (const r of rows) {
      this.publish(device, {
        commandId: r.commandId,
        type: r.type,
        args: r.args,
        chainId: device.chainId,
        storeId: r.storeId,
        deviceId: r.deviceId,
        issuedAt: r.issuedAt,
        expiresAt: r.expiresAt,
        by: r.actor.slice(0, 64),
      });
    }
    return rows.length;
  }

  get(commandId: string): CommandRow | undefined {
    const r = this.db.prepare("SELECT * FROM kiosk_commands WHERE command_id = ?").get<DbRow>(commandId);
    return r ? toRow(r) : undefined;
  }

  /** Newest first, after expiring what is due. */
  list(q: { storeId?: string; deviceId?: string; limit: number }): CommandRow[] {
    this.expireDue();
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.storeId) {
      where.push("store_id = ?");
      args.push(q.storeId);
    }
    if (q.deviceId) {
      where.push("device_id = ?");
      args.push(q.deviceId);
    }
    return this.db
      .prepare(`SELECT * FROM kiosk_commands ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY issued_at DESC, command_id LIMIT ?`)
      .all<DbRow>(...args, q.limit)
      .map(toRow);
  }
}
