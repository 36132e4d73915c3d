// The kiosk's Prometheus metrics (prom-client, one registry per kiosk): checkouts, scans and decode latency, outbox and sync lag, config version, driver health, storage and clock state, errors.
//
// Figures other modules keep (KioskSync.stats, the store, driver health reports) are read at scrape
// time; scan outcomes and their latency are observed through Kiosk.onScanOutcome.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Clock } from "../protocol/clock.js";
import { LogLevelCounter, mountMetricsRoute } from "../runtime/metrics-http.js";

export { LogLevelCounter };
/** `GET /metrics` on this service's HTTP API. */
export const mountKioskMetrics = mountMetricsRoute;
import type { ScanResult } from "./scan/types.js";
import type { Kiosk, ScanOutcome } from "./kiosk.js";

/** What the metrics read from the running kiosk (Kiosk satisfies it through kioskMetricsSource). */
export interface KioskMetricsSource {
  checkouts: () => number;
  sync: () => {
    connected: boolean;
    batchesSent: number;
    acks: number;
    invalid: number;
    configsApplied: number;
    configsRefused: number;
    quarantined?: number;
    handlerErrors?: Readonly<Record<string, number | undefined>>;
  };
  store: () => { lastSeq: number; ackedSeq: number; outboxDepth: number; oldestPendingAt: number | undefined; configVersion: number };
  clockOffsetMs: () => number;
  /** Driver health reports (camera, scanner, printer, GPIO, watchdog). */
  health: () => unknown[];
  onScanOutcome: (listener: (r: ScanResult, o: ScanOutcome) => void) => () => void;
  logCounts: () => Readonly<Record<string, number>>;
  clock: Clock;
  /** Storage errors by code, refused attempts, and whether the ledger can be written now (device/storage-guard.ts). */
  storage?: () => { writable: boolean; errors: Readonly<Partial<Record<string, number>>>; refusals: number };
  /** The verification clock: synchronised, hub-corrected or unsynchronised (device/clock-sync/status.ts). */
  clockState?: () => string;
}

interface HealthShape {
  component?: unknown;
  driver?: unknown;
  level?: unknown;
  metrics?: Record<string, unknown>;
}

function mirror(counter: Counter<string>, values: ReadonlyArray<[Record<string, string>, number]>): void {
  counter.reset();
  for (const [labels, v] of values) counter.inc(labels, Math.max(0, v));
}

const LEVELS = ["ok", "degraded", "down", "disabled"] as const;

export class KioskMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  constructor(src: KioskMetricsSource) {
    const r = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "kiosk_" });
    const healthOf = (): HealthShape[] => src.health().filter((h): h is HealthShape => typeof h === "object" && h !== null);

    new Counter({
      name: "kiosk_checkouts_total",
      help: "Sales committed to the local ledger",
      registers: r,
      collect() {
        mirror(this, [[{}, src.checkouts()]]);
      },
    });
    const scans = new Counter({
      name: "kiosk_scans_total",
      help: "Scans accepted by the scanner, by what the kiosk did with them (member, product, refused, ignored)",
      labelNames: ["outcome"],
      registers: r,
    });
    const scanLatency = new Histogram({
      name: "kiosk_scan_latency_seconds",
      help: "From the camera frame being complete to the scan being accepted (queueing + decode)",
      buckets: [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5],
      registers: r,
    });
    this.unsubscribe = src.onScanOutcome((res, outcome) => {
      scans.inc({ outcome: outcome.kind });
      if (res.at >= res.frameAt) scanLatency.observe((res.at - res.frameAt) / 1000);
    });
    new Gauge({
      name: "kiosk_decode_milliseconds",
      help: "zxing decode time per frame over the last 64 frames, by quantile",
      labelNames: ["quantile"],
      registers: r,
      collect() {
        this.reset();
        const m = healthOf().find((h) => h.component === "scanner")?.metrics;
        for (const [q, key] of [
          ["0.5", "decodeMsP50"],
          ["0.95", "decodeMsP95"],
        ] as const) {
          const v = m?.[key];
          if (typeof v === "number") this.set({ quantile: q }, v);
        }
      },
    });
    new Counter({
      name: "kiosk_scanner_frames_total",
      help: "Camera frames by fate: decoded, dropped (a newer frame replaced it), decode errors",
      labelNames: ["fate"],
      registers: r,
      collect() {
        const m = healthOf().find((h) => h.component === "scanner")?.metrics ?? {};
        const n = (k: string): number => (typeof m[k] === "number" ? (m[k] as number) : 0);
        mirror(this, [
          [{ fate: "decoded" }, n("framesDecoded")],
          [{ fate: "dropped" }, n("framesDropped")],
          [{ fate: "error" }, n("decodeErrors")],
        ]);
      },
    });
    new Gauge({
      name: "kiosk_outbox_depth",
      help: "Ledger entries not yet acknowledged by the hub",
      registers: r,
      collect() {
        this.set(src.store().outboxDepth);
      },
    });
    new Gauge({
      name: "kiosk_sync_lag_entries",
      help: "Last ledger sequence written minus the hub's acknowledged mark",
      registers: r,
      collect() {
        const s = src.store();
        this.set(Math.max(0, s.lastSeq - s.ackedSeq));
      },
    });
    new Gauge({
      name: "kiosk_sync_lag_seconds",
      help: "Age of the oldest entry waiting in the outbox (0 when empty)",
      registers: r,
      collect() {
        const at = src.store().oldestPendingAt;
        this.set(at === undefined ? 0 : Math.max(0, (src.clock.now() - at) / 1000));
      },
    });
    new Gauge({
      name: "kiosk_sync_connected",
      help: "1 while connected to the broker",
      registers: r,
      collect() {
        this.set(src.sync().connected ? 1 : 0);
      },
    });
    new Counter({
      name: "kiosk_sync_messages_total",
      help: "Sync traffic: ledger batches sent, acks received, invalid messages ignored",
      labelNames: ["kind"],
      registers: r,
      collect() {
        const s = src.sync();
        mirror(this, [
          [{ kind: "batch_sent" }, s.batchesSent],
          [{ kind: "ack" }, s.acks],
          [{ kind: "invalid" }, s.invalid],
        ]);
      },
    });
    new Counter({
      name: "kiosk_message_handler_errors_total",
      help: "MQTT messages (or sync timers) whose handler failed, e.g. a full disk: logged, dropped, the kiosk carried on",
      labelNames: ["channel"],
      registers: r,
      collect() {
        const e = src.sync().handlerErrors ?? {};
        mirror(
          this,
          Object.entries(e).map(([channel, n]) => [{ channel }, n ?? 0] as [Record<string, string>, number]),
        );
      },
    });
    new Counter({
      name: "kiosk_member_changes_quarantined_total",
      help: "Member changes from the hub that could not be read and were set aside (the cursor moved past them)",
      registers: r,
      collect() {
        mirror(this, [[{}, src.sync().quarantined ?? 0]]);
      },
    });
    new Counter({
      name: "kiosk_config_bundles_total",
      help: "Signed config bundles applied or refused",
      labelNames: ["result"],
      registers: r,
      collect() {
        const s = src.sync();
        mirror(this, [
          [{ result: "applied" }, s.configsApplied],
          [{ result: "refused" }, s.configsRefused],
        ]);
      },
    });
    new Gauge({
      name: "kiosk_config_version",
      help: "Config version in force",
      registers: r,
      collect() {
        this.set(src.store().configVersion);
      },
    });
    new Gauge({
      name: "kiosk_clock_offset_seconds",
      help: "Correction applied to the local clock, learned from the hub",
      registers: r,
      collect() {
        this.set(src.clockOffsetMs() / 1000);
      },
    });
    new Gauge({
      name: "kiosk_driver_health",
      help: "1 for each driver's current level (ok, degraded, down, disabled), 0 for the others",
      labelNames: ["component", "level"],
      registers: r,
      collect() {
        this.reset();
        for (const h of healthOf()) {
          if (typeof h.component !== "string") continue;
          for (const level of LEVELS) this.set({ component: h.component, level }, h.level === level ? 1 : 0);
        }
      },
    });
    new Counter({
      name: "kiosk_storage_errors_total",
      help: "Writes that failed because the ledger could not be written, by storage code (STORAGE_FULL, STORAGE_READONLY, STORAGE_BUSY, ...)",
      labelNames: ["code"],
      registers: r,
      collect() {
        const errors = src.storage?.().errors ?? {};
        mirror(
          this,
          Object.entries(errors).map(([code, n]) => [{ code }, n ?? 0] as [Record<string, string>, number]),
        );
      },
    });
    new Counter({
      name: "kiosk_storage_refusals_total",
      help: "Member scans and payments refused because the ledger could not be written",
      registers: r,
      collect() {
        mirror(this, [[{}, src.storage?.().refusals ?? 0]]);
      },
    });
    new Gauge({
      name: "kiosk_storage_writable",
      help: "1 while the ledger can be written, 0 while sales are refused (full disk, read-only, busy)",
      registers: r,
      collect() {
        this.set(src.storage?.().writable === false ? 0 : 1);
      },
    });
    new Gauge({
      name: "kiosk_clock_state",
      help: "1 for the verification clock's current state (synchronised, hub-corrected, unsynchronised), 0 for the others",
      labelNames: ["state"],
      registers: r,
      collect() {
        this.reset();
        const state = src.clockState?.();
        if (state === undefined) return;
        for (const s of ["synchronised", "hub-corrected", "unsynchronised"]) this.set({ state: s }, s === state ? 1 : 0);
      },
    });
    new Counter({
      name: "kiosk_log_messages_total",
      help: "Log lines written at warn level and above (errors)",
      labelNames: ["level"],
      registers: r,
      collect() {
        mirror(
          this,
          Object.entries(src.logCounts()).map(([level, n]) => [{ level }, n] as [Record<string, string>, number]),
        );
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** Reads the figures from a running kiosk. */
export function kioskMetricsSource(kiosk: Kiosk, logCounts: () => Readonly<Record<string, number>>): KioskMetricsSource {
  return {
    checkouts: () => kiosk.stats.checkouts,
    sync: () => ({ connected: kiosk.sync.connected, ...kiosk.sync.stats }),
    store: () => {
      const s = kiosk.store;
      const ackedSeq = s.ackedSeq();
      return {
        lastSeq: s.lastSeq(),
        ackedSeq,
        outboxDepth: s.outboxDepth(),
        oldestPendingAt: s.pending(ackedSeq + 1, 1)[0]?.at,
        configVersion: s.configVersion(),
      };
    },
    clockOffsetMs: () => kiosk.clock.offset,
    health: () => {
      const h: unknown = kiosk.health();
      if (Array.isArray(h)) return h;
      const drivers = typeof h === "object" && h !== null ? (h as { drivers?: unknown }).drivers : undefined;
      return Array.isArray(drivers) ? drivers : [];
    },
    onScanOutcome: (l) => kiosk.onScanOutcome(l),
    logCounts,
    clock: kiosk.clock,
    storage: () => ({ writable: kiosk.storage.state.writable, errors: kiosk.storage.stats.errors, refusals: kiosk.storage.stats.refusals }),
    clockState: () => kiosk.clockStatus.state,
  };
}
