// The hub service: starts and stops the parts buildHub() gives it (hub/compose.ts): broker, MQTT link, HTTP server, jobs.
import type { Hono } from "hono";
import { serve, type ServerType } from "@hono/node-server";
import type { Database } from "../storage/database.js";
import type { Logger } from "../runtime/log.js";
import type { HubConfig } from "./config.js";
import type { DeviceRegistry } from "./devices.js";
import type { MemberRegistry } from "./members.js";
import type { ConfigService, PublishedConfig } from "./config-service.js";
import type { Ingest } from "./ingest.js";
import type { EmbeddedBroker } from "./broker.js";
import type { HubMqttLink } from "./mqtt-link.js";
import type { IngestPool } from "./ingest-pool.js";
import type { Rollouts, RolloutStatus } from "./rollouts.js";
import type { Authorizer } from "./authorizer.js";
import type { Provisioning } from "./provisioning.js";
import type { HubMetrics } from "./metrics.js";
import type { Backoffice } from "./backoffice/index.js";
import type { Scheduler } from "./jobs/scheduler.js";
import { CONSOLE_PREFIX } from "./console/serve.js";

export type PublishConfig = (storeId: string, draft?: Record<string, unknown>, plan?: unknown) => { config: PublishedConfig; rollout: RolloutStatus };

/**
 * Signs the next config version for a store (from `draft`, or from the chain defaults and store
 * overrides when absent) and rolls it out to the store's kiosks according to `plan`.
 */
export function publishConfig(configs: ConfigService, rollouts: Rollouts): PublishConfig {
  return (storeId, draft, plan) => {
    const config = draft ? configs.publish(storeId, draft) : configs.publishComposed(storeId);
    return { config, rollout: rollouts.start(storeId, config.version, plan) };
  };
}

/** The hub's parts, built by buildHub() (hub/compose.ts). */
export interface HubParts {
  config: HubConfig;
  log: Logger;
  instance: string;
  db: Database;
  devices: DeviceRegistry;
  members: MemberRegistry;
  configs: ConfigService;
  ingest: Ingest;
  rollouts: Rollouts;
  authorizer: Authorizer;
  provisioning: Provisioning;
  metrics: HubMetrics;
  backoffice: Backoffice;
  /** The embedded broker, when the config asks for one. */
  broker: EmbeddedBroker | undefined;
  /** The MQTT URL kiosks should use (the embedded broker's once it listens, or the configured external one). */
  brokerUrl: () => string;
  link: HubMqttLink;
  /** PostgreSQL: the worker processes applying ledger batches (started before the link, closed after it, before the store). */
  ingestPool?: IngestPool;
  app: Hono;
  scheduler: Scheduler;
}

export class Hub {
  readonly devices: DeviceRegistry;
  readonly members: MemberRegistry;
  readonly configs: ConfigService;
  readonly ingest: Ingest;
  readonly rollouts: Rollouts;
  readonly authorizer: Authorizer;
  readonly provisioning: Provisioning;
  readonly metrics: HubMetrics;
  readonly backoffice: Backoffice;
  /** This instance's name: in job_history, pg_stat_activity and the MQTT client id. */
  readonly instance: string;
  readonly publishConfig: PublishConfig;
  httpPort = 0;
  private readonly config: HubConfig;
  private readonly log: Logger;
  private readonly parts: HubParts;
  /** The embedded broker, if any (the end-to-end test reads its hub secret to play a rogue hub). */
  private readonly broker: EmbeddedBroker | undefined;
  private db: Database | undefined;
  private http: ServerType | undefined;
  private brokerFilesTimer: ReturnType<typeof setInterval> | undefined;
  private linkStarted = false;

  constructor(parts: HubParts) {
    this.parts = parts;
    this.broker = parts.broker;
    this.config = parts.config;
    this.log = parts.log;
    this.instance = parts.instance;
    this.db = parts.db;
    this.devices = parts.devices;
    this.members = parts.members;
    this.configs = parts.configs;
    this.ingest = parts.ingest;
    this.rollouts = parts.rollouts;
    this.authorizer = parts.authorizer;
    this.provisioning = parts.provisioning;
    this.metrics = parts.metrics;
    this.backoffice = parts.backoffice;
    this.publishConfig = publishConfig(parts.configs, parts.rollouts);
  }

  /** The MQTT URL kiosks should use (the embedded broker's, or the configured external one). */
  get brokerUrl(): string {
    return this.parts.brokerUrl();
  }

  /** The MQTT link's counters, while it runs. */
  get mqttStats(): HubMqttLink["stats"] | undefined {
    return this.linkStarted ? this.parts.link.stats : undefined;
  }

  /** Starts what it was given, in order: broker, broker files, MQTT link, HTTP server, jobs. */
  async start(): Promise<void> {
    const { config, log, parts } = this;
    await this.broker?.start();
    // Before connecting: on a first start the broker learns the hub's own password from these files.
    this.provisioning.writeBrokerFiles();
    if (config.mosquitto) {
      // Other hub instances may provision kiosks: bring this broker's files up to date now and then.
      this.brokerFilesTimer = setInterval(() => {
        try {
          this.provisioning.syncBrokerFiles();
        } catch (err) {
          log.error({ err }, "hub: could not refresh the broker's password file and ACL");
        }
      }, 30_000);
      this.brokerFilesTimer.unref();
    }
    parts.ingestPool?.start();
    await parts.link.start();
    this.linkStarted = true;
    await new Promise<void>((resolve) => {
      this.http = serve({ fetch: parts.app.fetch, hostname: config.http.host, port: config.http.port }, (info) => {
        this.httpPort = info.port;
        resolve();
      });
    });
    parts.scheduler.start();
    log.info({ http: `http://${config.http.host}:${this.httpPort}`, broker: this.brokerUrl }, "hub started");
    const setup = this.backoffice.setupLink(this.consoleUrl);
    if (setup) log.warn({ url: setup }, "console: no administrator yet; open this one-time link (valid 24 h) to create the first hq-admin");
  }

  /** Where people open the web console (config.console.publicUrl, else this server's address). */
  get consoleUrl(): string {
    const base = this.config.console?.publicUrl ?? `http://${this.config.http.host === "0.0.0.0" ? "127.0.0.1" : this.config.http.host}:${this.httpPort}`;
    return `${base}${CONSOLE_PREFIX}/`;
  }

  /** The public keys kiosks trust for config bundles. */
  get trustedKeys(): Record<string, string> {
    return this.configs.publicKeys;
  }

  /** Stops in reverse start order; each step is guarded, so one that fails is logged and the rest still run. */
  async stop(): Promise<void> {
    const { parts } = this;
    const steps: Array<readonly [string, () => unknown]> = [
      [
        "broker-files",
        () => {
          if (this.brokerFilesTimer) clearInterval(this.brokerFilesTimer);
          this.brokerFilesTimer = undefined;
        },
      ],
      ["jobs", () => parts.scheduler.stop()],
      [
        "http",
        () => {
          const http = this.http;
          this.http = undefined;
          return http ? new Promise<void>((resolve) => http.close(() => resolve())) : undefined;
        },
      ],
      [
        "mqtt",
        () => {
          const started = this.linkStarted;
          this.linkStarted = false;
          return started ? parts.link.stop() : undefined;
        },
      ],
      ["ingest-workers", () => parts.ingestPool?.close()],
      ["broker", () => this.broker?.stop()],
      [
        "store",
        () => {
          const db = this.db;
          this.db = undefined;
          db?.close();
        },
      ],
    ];
    for (const [step, run] of steps) {
      try {
        await run();
      } catch (err) {
        this.log.error({ step, err: err instanceof Error ? err.message : String(err) }, "hub stop: a step failed; stopping the rest");
      }
    }
    this.log.info("hub stopped");
  }
}
