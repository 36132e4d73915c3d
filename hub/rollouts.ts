// Staged config rollouts: a first wave of kiosks, the rest when they report success, a stop when failures pass a threshold.
//
// Modelled on AWS IoT Jobs' abort criteria: once at least `minReports` kiosks have reported, the
// rollout stops if the share of failures exceeds `maxFailureRatio`. Each kiosk has a desired config
// version; the MQTT link delivers it on the kiosk's own retained config topic, so a kiosk that is
// offline gets it when it comes back, and one outside the current wave keeps its version.
import { z } from "zod";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { ConfigReport } from "../protocol/messages.js";
import type { ConfigService, PublishedConfig } from "./config-service.js";
import { HubError } from "./errors.js";

export const RolloutPlanSchema = z.object({
  /** Who gets the version first: a share of the store's kiosks (by id order) or a list. Default: everyone. */
  firstWave: z.union([z.object({ share: z.number().gt(0).max(1) }), z.object({ devices: z.array(z.string().min(1)).min(1) })]).default({ share: 1 }),
  /** Reports needed before the failure ratio is judged. */
  minReports: z.number().int().min(1).default(1),
  /** Stop when failed / reported exceeds this (0 = the first failure stops it). */
  maxFailureRatio: z.number().min(0).max(1).default(0),
  /** Failures an operator accepted by continuing a stopped rollout; they no longer count against the ratio. */
  acceptedFailures: z.number().int().min(0).default(0),
});
export type RolloutPlan = z.infer<typeof RolloutPlanSchema>;

export type TargetStatus = "waiting" | "sent" | "applied" | "ignored" | "failed";

export interface RolloutStatus {
  id: number;
  storeId: string;
  version: number;
  state: "in-progress" | "completed" | "stopped";
  reason: string | null;
  plan: RolloutPlan;
  counts: Record<TargetStatus, number>;
  /** Per kiosk: this rollout's status, and the device's desired / applied versions (desired vs reported, as a device twin). */
  targets: Array<{
    deviceId: string;
    wave: number;
    status: TargetStatus;
    error: string | null;
    desiredVersion: number;
    appliedVersion: number;
    deviceError: string | null;
  }>;
}

export class Rollouts {
  /** Delivers a config to one kiosk (the MQTT link publishes it retained on the kiosk's topic). */
  onSend: ((deviceId: string, config: PublishedConfig) => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly configs: ConfigService,
    private readonly log: Logger,
  ) {}

  /** Starts rolling `version` out to the store's kiosks; an older rollout still running is superseded. */
  start(storeId: string, version: number, planInput: unknown = {}): RolloutStatus {
    const parsedPlan = RolloutPlanSchema.omit({ acceptedFailures: true })
      .strict()
      .safeParse(planInput ?? {});
    if (!parsedPlan.success)
      throw new HubError("INVALID_INPUT", `rollout plan: ${parsedPlan.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const plan: RolloutPlan = { ...parsedPlan.data, acceptedFailures: 0 };
    const config = this.configs.get(storeId, version);
    if (!config) throw new HubError("NOT_FOUND", `store ${storeId} has no config version ${version}`);
    const devices = this.db
      .prepare("SELECT device_id FROM devices WHERE store_id = ? ORDER BY device_id")
      .all<{ device_id: string }>(storeId)
      .map((r) => r.device_id);
    let first: Set<string>;
    if ("devices" in plan.firstWave) {
      const unknown = plan.firstWave.devices.filter((d) => !devices.includes(d));
      if (unknown.length > 0) throw new HubError("INVALID_INPUT", `rollout plan: devices not in store ${storeId}: ${unknown.join(", ")}`);
      first = new Set(plan.firstWave.devices);
    } else {
      first = new Set(devices.slice(0, Math.max(1, Math.ceil(devices.length * plan.firstWave.share))));
    }
    const now = this.clock.now();
    const id = this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE rollouts SET state = 'stopped', reason = 'superseded by a newer version', finished_at = ? WHERE store_id = ? AND state = 'in-progress'",
        )
        .run(now, storeId);
      const rid = Number(
        this.db
          .prepare("INSERT INTO rollouts (store_id, version, state, plan, created_at) VALUES (?, ?, 'in-progress', ?, ?) RETURNING id")
          .get<{ id: number }>(storeId, version, JSON.stringify(plan), now)!.id,
      );
      for (const d of devices) {
        this.db.prepare("INSERT INTO rollout_targets (rollout_id, device_id, wave, status) VALUES (?, ?, ?, 'waiting')").run(rid, d, first.has(d) ? 1 : 2);
      }
      return rid;
    });
    this.log.info({ rollout: id, store: storeId, version, firstWave: first.size, devices: devices.length }, "rollout started");
    this.sendWave(id, 1);
    this.evaluate(id);
    return this.status(id);
  }

  private sendWave(rolloutId: number, wave: number): void {
    const r = this.row(rolloutId);
    const config = this.configs.get(r.store_id, r.version);
    if (!config) return;
    const targets = this.db
      .prepare("SELECT device_id FROM rollout_targets WHERE rollout_id = ? AND wave = ? AND status = 'waiting'")
      .all<{ device_id: string }>(rolloutId, wave);
    const now = this.clock.now();
    for (const t of targets) {
      this.db.transaction(() => {
        this.db.prepare("UPDATE rollout_targets SET status = 'sent', sent_at = ? WHERE rollout_id = ? AND device_id = ?").run(now, rolloutId, t.device_id);
        this.db.prepare("UPDATE devices SET desired_config_version = ? WHERE device_id = ?").run(r.version, t.device_id);
      });
      this.onSend?.(t.device_id, config);
    }
  }

  private row(id: number): { id: number; store_id: string; version: number; state: RolloutStatus["state"]; plan: string; reason: string | null } {
    const r = this.db.prepare("SELECT id, store_id, version, state, plan, reason FROM rollouts WHERE id = ?").get<{
      id: number;
      store_id: string;
      version: number;
      state: RolloutStatus["state"];
      plan: string;
      reason: string | null;
    }>(id);
    if (!r) throw new HubError("NOT_FOUND", `no rollout ${id}`);
    return r;
  }

  /** A kiosk's report about a version: recorded on the device and on the rollout that sent it. */
  report(deviceId: string, report: ConfigReport): void {
    this.recordApplied(deviceId, report);
    this.reportTarget(deviceId, report);
  }

  /** The first half of report(): what the kiosk runs, on its device row (on PostgreSQL written in its ingest worker, hub/ingest-pool.ts). */
  recordApplied(deviceId: string, report: ConfigReport): void {
    this.db
      .prepare("UPDATE devices SET applied_config_version = ?, config_error = ? WHERE device_id = ?")
      .run(report.appliedVersion, report.status === "failed" ? (report.error ?? "failed") : null, deviceId);
  }

  /** The second half of report(): the kiosk's rollout target, and the rollout's next step. */
  reportTarget(deviceId: string, report: ConfigReport): void {
    const now = this.clock.now();
    const target = this.db
      .prepare(
        `SELECT t.rollout_id FROM rollout_targets t JOIN rollouts r ON r.id = t.rollout_id
         WHERE t.device_id = ? AND r.version = ? AND r.state = 'in-progress' AND t.status = 'sent'`,
      )
      .get<{ rollout_id: number }>(deviceId, report.version);
    if (!target) return;
    this.db
      .prepare("UPDATE rollout_targets SET status = ?, error = ?, reported_at = ? WHERE rollout_id = ? AND device_id = ?")
      .run(report.status, report.error ?? null, now, target.rollout_id, deviceId);
    this.evaluate(target.rollout_id);
  }

  private evaluate(id: number): void {
    const r = this.row(id);
    if (r.state !== "in-progress") return;
    const plan = RolloutPlanSchema.parse(JSON.parse(r.plan));
    const c = this.counts(id);
    const failed = Math.max(0, c.failed - plan.acceptedFailures);
    const reported = c.applied + c.ignored + failed;
    if (reported >= plan.minReports && reported > 0 && failed / reported > plan.maxFailureRatio) {
      this.finish(id, "stopped", `${failed} of ${reported} kiosks failed to apply version ${r.version}`);
      this.log.warn({ rollout: id, failed, reported }, "rollout stopped: failures passed the threshold");
      return;
    }
    const wave1Open =
      this.db.prepare("SELECT COUNT(*) AS n FROM rollout_targets WHERE rollout_id = ? AND wave = 1 AND status IN ('waiting', 'sent')").get<{ n: number }>(id)
        ?.n ?? 0;
    if (wave1Open === 0 && c.waiting > 0) {
      this.log.info({ rollout: id }, "rollout: first wave succeeded; sending to the rest");
      this.sendWave(id, 2);
    }
    const after = this.counts(id);
    if (after.waiting === 0 && after.sent === 0) this.finish(id, "completed", null);
  }

  /** Stops an in-progress rollout: kiosks not yet sent the version keep theirs (those already sent keep what they applied). */
  stop(id: number, reason: string): RolloutStatus {
    const r = this.row(id);
    if (r.state !== "in-progress") throw new HubError("CONFLICT", `rollout ${id} is ${r.state}, not in progress`);
    this.finish(id, "stopped", reason.slice(0, 300));
    this.log.info({ rollout: id, reason }, "rollout stopped by an operator");
    return this.status(id);
  }

  /**
   * Continues a stopped rollout (not one superseded by a newer version of the store): the failures so
   * far are accepted, the first wave's kiosks not yet sent get it, then the rest as usual.
   */
  resume(id: number): RolloutStatus {
    const r = this.row(id);
    if (r.state !== "stopped") throw new HubError("CONFLICT", `rollout ${id} is ${r.state}; only a stopped rollout continues`);
    const newer = this.db.prepare("SELECT COUNT(*) AS n FROM rollouts WHERE store_id = ? AND id > ?").get<{ n: number }>(r.store_id, id)?.n ?? 0;
    if (Number(newer) > 0) throw new HubError("CONFLICT", `rollout ${id} was superseded by a newer rollout of store ${r.store_id}`);
    const plan = RolloutPlanSchema.parse(JSON.parse(r.plan));
    const next: RolloutPlan = { ...plan, acceptedFailures: this.counts(id).failed };
    this.db.prepare("UPDATE rollouts SET state = 'in-progress', reason = NULL, finished_at = NULL, plan = ? WHERE id = ?").run(JSON.stringify(next), id);
    this.log.info({ rollout: id, acceptedFailures: next.acceptedFailures }, "rollout continued by an operator");
    this.sendWave(id, 1);
    this.evaluate(id);
    return this.status(id);
  }

  private finish(id: number, state: "completed" | "stopped", reason: string | null): void {
    this.db.prepare("UPDATE rollouts SET state = ?, reason = ?, finished_at = ? WHERE id = ?").run(state, reason, this.clock.now(), id);
  }

  private counts(id: number): Record<TargetStatus, number> {
    const counts: Record<TargetStatus, number> = { waiting: 0, sent: 0, applied: 0, ignored: 0, failed: 0 };
    for (const row of this.db
      .prepare("SELECT status, COUNT(*) AS n FROM rollout_targets WHERE rollout_id = ? GROUP BY status")
      .all<{ status: TargetStatus; n: number }>(id)) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  status(id: number): RolloutStatus {
    const r = this.row(id);
    return {
      id: r.id,
      storeId: r.store_id,
      version: r.version,
      state: r.state,
      reason: r.reason,
      plan: RolloutPlanSchema.parse(JSON.parse(r.plan)),
      counts: this.counts(id),
      targets: this.db
        .prepare(
          `SELECT t.device_id, t.wave, t.status, t.error, d.desired_config_version, d.applied_config_version, d.config_error
           FROM rollout_targets t LEFT JOIN devices d ON d.device_id = t.device_id WHERE t.rollout_id = ? ORDER BY t.wave, t.device_id`,
        )
        .all<{
          device_id: string;
          wave: number;
          status: TargetStatus;
          error: string | null;
          desired_config_version: number | null;
          applied_config_version: number | null;
          config_error: string | null;
        }>(id)
        .map((t) => ({
          deviceId: t.device_id,
          wave: Number(t.wave),
          status: t.status,
          error: t.error,
          desiredVersion: Number(t.desired_config_version ?? 0),
          appliedVersion: Number(t.applied_config_version ?? 0),
          deviceError: t.config_error,
        })),
    };
  }

  list(storeId: string): RolloutStatus[] {
    return this.db
      .prepare("SELECT id FROM rollouts WHERE store_id = ? ORDER BY id DESC LIMIT 50")
      .all<{ id: number }>(storeId)
      .map((r) => this.status(r.id));
  }

  /**
   * The version a kiosk should run: what a rollout sent it, or for a kiosk no rollout has reached
   * yet (a new one), the store's newest version that completed its rollout.
   */
  desiredFor(deviceId: string): PublishedConfig | undefined {
    const d = this.db
      .prepare("SELECT store_id, desired_config_version FROM devices WHERE device_id = ?")
      .get<{ store_id: string; desired_config_version: number }>(deviceId);
    if (!d) return undefined;
    if (d.desired_config_version > 0) return this.configs.get(d.store_id, d.desired_config_version);
    const released = this.db
      .prepare("SELECT MAX(version) AS v FROM rollouts WHERE store_id = ? AND state = 'completed'")
      .get<{ v: number | null }>(d.store_id)?.v;
    if (!released) return undefined;
    this.db.prepare("UPDATE devices SET desired_config_version = ? WHERE device_id = ?").run(released, deviceId);
    return this.configs.get(d.store_id, released);
  }
}
