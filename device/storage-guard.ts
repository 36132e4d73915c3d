// Whether the kiosk can write its ledger: marked unwritable by a storage error (full disk, read-only, busy), probed until writes work again; reported as health.
//
// The ledger is the truth, so while it cannot be written the kiosk sells nothing: a new session or
// a payment is refused with STORAGE_UNAVAILABLE and words for the customer (pay at a staffed till).
// It comes back by itself: every refused attempt probes first (one small write, deleted in the same
// transaction: it needs real pages, as a sale does), and a timer probes every
// `probeIntervalMs` while unwritable, so /healthz turns ok again without a customer.
import type { Database } from "../storage/database.js";
import { isUnwritable, type StorageErrorCode } from "../storage/errors.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { DriverHealth, HealthReporter } from "./health.js";
import type { TimerHandle, Timers } from "./session/timers.js";

/** What the customer reads while the kiosk cannot record (zh-CN first, English second). */
export const STORAGE_REFUSAL_MESSAGE = "本机暂时无法记账，请到人工收银台结账 / This kiosk cannot record sales right now: please pay at a staffed till";

/** Bytes one probe writes: a few pages, about what a sale with its member effect and record needs. */
const PROBE_BYTES = 16 * 1024;

export interface StorageGuardOptions {
  db: Database;
  clock: Clock;
  timers: Timers;
  log: Logger;
  /** How often to probe while unwritable (default 15 s). */
  probeIntervalMs?: number;
  /** Called when the state changes (the pages show it). */
  onChange?: () => void;
}

export interface StorageState {
  writable: boolean;
  /** While unwritable: the storage code (STORAGE_FULL, STORAGE_READONLY, ...), since when, and the engine's words. */
  code?: StorageErrorCode;
  since?: number;
  reason?: string;
  /** Where the failing write was (sale, member-code, gate, verification, probe...). */
  where?: string;
}

/** The interface the checkout session takes (device/session/machine.ts), so it needs no database. */
export interface StorageGate {
  /** True when writes work; while unwritable it probes once first. */
  check(): boolean;
  /** A storage error met by a caller: true (and the kiosk turns unwritable) when it is one that stops writes. */
  failed(err: unknown, where: string): boolean;
  readonly state: StorageState;
}

export class StorageGuard implements StorageGate, HealthReporter {
  private current: StorageState = { writable: true };
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** Storage errors met (probes included), by code; refused scans and payments; probes and recoveries (for /metrics). */
  readonly stats = { errors: {} as Partial<Record<StorageErrorCode, number>>, probes: 0, recoveries: 0, refusals: 0 };
  private readonly probeIntervalMs: number;

  constructor(private readonly opts: StorageGuardOptions) {
    this.probeIntervalMs = opts.probeIntervalMs ?? 15_000;
  }

  get state(): StorageState {
    return this.current;
  }

  failed(err: unknown, where: string): boolean {
    if (!isUnwritable(err)) return false;
    this.stats.errors[err.code] = (this.stats.errors[err.code] ?? 0) + 1;
    // A caller's failed write ends in a refusal; a probe's does not (check() counts the refusal it causes).
    if (where !== "probe") this.stats.refusals++;
    if (this.current.writable || this.current.code !== err.code) {
      this.opts.log.error(
        { code: err.code, engineCode: err.engineCode, where, err: err.message },
        "storage: the ledger cannot be written; new sales are refused until it can",
      );
      this.current = { writable: false, code: err.code, since: this.current.since ?? this.opts.clock.now(), reason: err.message, where };
      this.arm();
      this.opts.onChange?.();
    }
    return true;
  }

  check(): boolean {
    if (this.current.writable) return true;
    if (this.probe()) return true;
    this.stats.refusals++;
    return false;
  }

  /** One small real write; on success the kiosk is writable again. */
  probe(): boolean {
    const { db } = this.opts;
    this.stats.probes++;
    try {
      db.transaction(() => {
        db.exec("CREATE TABLE IF NOT EXISTS storage_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)");
        // The insert needs new pages (as a sale would); deleting it in the same transaction leaves them free for the next sale.
        db.prepare("INSERT INTO storage_probe (pad) VALUES (randomblob(?))").run(PROBE_BYTES);
        db.exec("DELETE FROM storage_probe");
      });
    } catch (err) {
      if (this.failed(err, "probe")) return false;
      // Anything else (a closed database on stop) is not a verdict on space: leave the state as it is.
      this.opts.log.warn({ err: (err as Error).message }, "storage: probe failed");
      return this.current.writable;
    }
    if (!this.current.writable) {
      const downMs = this.opts.clock.now() - (this.current.since ?? this.opts.clock.now());
      this.opts.log.info({ code: this.current.code, downMs }, "storage: the ledger can be written again; selling resumes");
      this.stats.recoveries++;
      this.current = { writable: true };
      this.opts.timers.clear(this.timer);
      this.timer = undefined;
      this.opts.onChange?.();
    }
    return true;
  }

  private arm(): void {
    if (this.stopped || this.timer) return;
    this.timer = this.opts.timers.set(() => {
      this.timer = undefined;
      if (this.stopped || this.current.writable) return;
      this.probe();
      if (!this.current.writable) this.arm();
    }, this.probeIntervalMs);
  }

  health(): DriverHealth {
    const s = this.current;
    const metrics = { probes: this.stats.probes, recoveries: this.stats.recoveries, refusals: this.stats.refusals, writable: s.writable };
    if (s.writable) return { component: "storage", driver: this.opts.db.engine, level: "ok", at: this.opts.clock.now(), metrics };
    return {
      component: "storage",
      driver: this.opts.db.engine,
      level: "degraded",
      ...(s.code ? { errorCode: s.code } : {}),
      message: `the ledger cannot be written (${s.where ?? "write"}): ${s.reason ?? s.code}; new sales are refused until a probe succeeds (free disk space: see docs/operations.md)`,
      at: this.opts.clock.now(),
      metrics: { ...metrics, since: s.since ?? null },
    };
  }

  stop(): void {
    this.stopped = true;
    this.opts.timers.clear(this.timer);
    this.timer = undefined;
  }
}
