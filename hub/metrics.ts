// The hub's Prometheus metrics (prom-client, one registry per hub): ingest, disagreements, devices' sync lag and config versions, MQTT, errors.
//
// Counters that other modules keep (Ingest.stats, HubMqttLink.stats...) are read at scrape time,
// so nothing in the hot path knows about Prometheus.
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Clock } from "../protocol/clock.js";
import { LogLevelCounter, mountMetricsRoute } from "../runtime/metrics-http.js";

export { LogLevelCounter };
/** `GET /metrics` on this service's HTTP API. */
export const mountMetrics = mountMetricsRoute;
import type { IngestStats } from "./ingest.js";
import type { DeviceRow } from "./devices.js";

/** What the metrics read from the running hub. */
export interface HubMetricsSource {
  ingest: () => IngestStats;
  mqtt: () => { received: number; invalid: number; handlerErrors?: Readonly<Record<string, number | undefined>> } | undefined;
  devices: () => DeviceRow[];
  /** Latest published config version per store. */
  configVersions: () => Array<{ storeId: string; version: number }>;
  provisioning: () => { tokensCreated: number; redeemed: number; refused: number } | undefined;
  logCounts: () => Readonly<Record<string, number>>;
  clock: Clock;
}

/** The fields of a kiosk's retained status message the metrics use (validated by the MQTT link). */
interface StatusFields {
  online?: boolean;
  lastSeq?: number;
  outboxDepth?: number;
  configVersion?: number;
}

function statusOf(d: DeviceRow): StatusFields {
  return typeof d.lastStatus === "object" && d.lastStatus !== null ? (d.lastStatus as StatusFields) : {};
}

/** Mirrors an external monotonic count into a prom-client counter at scrape time. */
function mirror(counter: Counter<string>, values: ReadonlyArray<[Record<string, string>, number]>): void {
  counter.reset();
  for (const [labels, v] of values) counter.inc(labels, Math.max(0, v));
}

export class HubMetrics {
  readonly registry = new Registry();

  constructor(source: HubMetricsSource) {
    const r = [this.registry];
    // One device listing serves every per-device gauge of a scrape (thousands of kiosks).
    let cache: { at: number; rows: DeviceRow[] } | undefined;
    const src: HubMetricsSource = {
      ...source,
      devices: () => {
        const now = source.clock.now();
        if (!cache || now - cache.at > 1000) cache = { at: now, rows: source.devices() };
        return cache.rows;
      },
    };
    collectDefaultMetrics({ register: this.registry, prefix: "hub_" });

    new Counter({
      name: "hub_ingest_entries_total",
      help: "Ledger entries received from kiosks, by result (applied exactly once, duplicate, rejected for review)",
      labelNames: ["result"],
      registers: r,
      collect() {
        const s = src.ingest();
        mirror(this, [
          [{ result: "applied" }, s.applied],
          [{ result: "duplicate" }, s.duplicates],
          [{ result: "rejected" }, s.rejected],
        ]);
      },
    });
    new Counter({
      name: "hub_ingest_gaps_total",
      help: "Batches that skipped sequence numbers (messages lost on the way; the kiosk is asked to resend)",
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().gaps]]);
      },
    });
    new Counter({
      name: "hub_disagreements_total",
      help: "Sale fields where the hub's recomputation differs from the kiosk's hint",
      registers: r,
      collect() {
        mirror(this, [[{}, src.ingest().disagreements]]);
      },
    });
    new Counter({
      name: "hub_mqtt_messages_total",
      help: "MQTT messages received from kiosks, by validity",
      labelNames: ["valid"],
      registers: r,
      collect() {
        const s = src.mqtt() ?? { received: 0, invalid: 0 };
        mirror(this, [
          [{ valid: "true" }, s.received - s.invalid],
          [{ valid: "false" }, s.invalid],
        ]);
      },
    });
    new Counter({
      name: "hub_message_handler_errors_total",
      help: "MQTT messages whose handler failed (storage error, bug): logged, dropped, the hub carried on",
      labelNames: ["channel"],
      registers: r,
      collect() {
        const e = src.mqtt()?.handlerErrors ?? {};
        mirror(
          this,
          Object.entries(e).map(([channel, n]) => [{ channel }, n ?? 0] as [Record<string, string>, number]),
        );
      },
    });
    new Counter({
      name: "hub_provisioning_total",
      help: "Provisioning tokens created, redeemed and refused",
      labelNames: ["event"],
      registers: r,
      collect() {
        const s = src.provisioning() ?? { tokensCreated: 0, redeemed: 0, refused: 0 };
        mirror(this, [
          [{ event: "token_created" }, s.tokensCreated],
          [{ event: "redeemed" }, s.redeemed],
          [{ event: "refused" }, s.refused],
        ]);
      },
    });
    new Counter({
      name: "hub_log_messages_total",
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
    new Gauge({
      name: "hub_devices",
      help: "Provisioned kiosks by presence (from their retained status and last will)",
      labelNames: ["state"],
      registers: r,
      collect() {
        const counts = { online: 0, offline: 0, never_seen: 0 };
        for (const d of src.devices()) {
          if (d.lastSeenAt === null) counts.never_seen++;
          else if (statusOf(d).online) counts.online++;
          else counts.offline++;
        }
        this.reset();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    const perDevice = (name: string, help: string, value: (d: DeviceRow, s: StatusFields) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ["store", "device"],
        registers: r,
        collect() {
          this.reset();
          for (const d of src.devices()) {
            const v = value(d, statusOf(d));
            if (v !== undefined) this.set({ store: d.storeId, device: d.deviceId }, v);
          }
        },
      });
    };
    perDevice("hub_device_outbox_depth", "Entries waiting in the kiosk's outbox, as last reported", (_d, s) => s.outboxDepth);
    perDevice("hub_device_sync_lag_entries", "Entries the kiosk has written that the hub has not applied yet, as last reported", (d, s) =>
      s.lastSeq === undefined ? undefined : Math.max(0, s.lastSeq - d.ackedSeq),
    );
    perDevice("hub_device_last_seen_seconds", "Seconds since the kiosk's last status message", (d) =>
      d.lastSeenAt === null ? undefined : Math.max(0, (src.clock.now() - d.lastSeenAt) / 1000),
    );
    perDevice("hub_device_config_version", "Config version in force on the kiosk, as last reported", (_d, s) => s.configVersion);
    new Gauge({
      name: "hub_config_version",
      help: "Latest config version published per store",
      labelNames: ["store"],
      registers: r,
      collect() {
        this.reset();
        for (const c of src.configVersions()) this.set({ store: c.storeId }, c.version);
      },
    });
  }

  /** The text exposition for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
