// The hub service: builds storage, registries, broker, MQTT link and HTTP server, and starts/stops them in order.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { hostname } from "node:os";
import type { Database } from "../storage/sqlite.js";
import { openHubStore } from "./store.js";
import type { Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../protocol/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import type { HubConfig } from "./config.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService, type SigningIdentity } from "./config-service.js";
import { Ingest } from "./ingest.js";
import { EmbeddedBroker, HUB_USERNAME } from "./broker.js";
import { HubMqttLink } from "./mqtt-link.js";
import { createHubApp } from "./http.js";
import { Rollouts } from "./rollouts.js";
import { Authorizer } from "./authorizer.js";
import type { PublishedConfig } from "./config-service.js";
import type { RolloutStatus } from "./rollouts.js";
import { readSecretFile, secretFileWarning } from "../protocol/config-env.js";
import { Provisioning, mountProvisioning } from "./provisioning.js";
import { HubMetrics, mountMetrics } from "./metrics.js";
import { mountBrokerAuth } from "./mosquitto-auth.js";
import { mountMemberImport } from "./member-import.js";
import { Backoffice } from "./backoffice/index.js";
import { createJobs } from "./jobs/index.js";
import type { Scheduler } from "./jobs/scheduler.js";

function loadOrCreateSigningKey(path: string): SigningIdentity {
  if (existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, "utf8")) as { keyId: string; publicKey: string; privateKey: string };
    return { keyId: raw.keyId, keys: { publicKey: raw.publicKey, privateKey: raw.privateKey } };
  }
  const keys = generateKeyPair();
  const identity = { keyId: `hq-${keys.publicKey.slice(0, 8)}`, keys };
  writeFileSync(path, JSON.stringify({ keyId: identity.keyId, ...keys }), { mode: 0o600 });
  return identity;
}

export class Hub {
  private db: Database | undefined;
  private broker: EmbeddedBroker | undefined;
  private link: HubMqttLink | undefined;
  private http: ServerType | undefined;
  private scheduler: Scheduler | undefined;
  private brokerFilesTimer: ReturnType<typeof setInterval> | undefined;
  devices!: DeviceRegistry;
  members!: MemberRegistry;
  configs!: ConfigService;
  ingest!: Ingest;
  rollouts!: Rollouts;
  authorizer!: Authorizer;
  provisioning!: Provisioning;
  metrics!: HubMetrics;
  backoffice!: Backoffice;
  /** The MQTT URL kiosks should use (the embedded broker's, or the configured external one). */
  brokerUrl = "";
  httpPort = 0;
  /** This instance's name: in job_history, pg_stat_activity and the MQTT client id. */
  readonly instance = `hub-${hostname()}-${process.pid}`;

  constructor(
    private readonly config: HubConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Log lines counted by level on their way out (main.ts), for the errors metric. */
    private readonly logCounts: () => Readonly<Record<string, number>> = () => ({}),
  ) {}

  /** The MQTT link's counters, while it runs. */
  get mqttStats(): { received: number; invalid: number } | undefined {
    return this.link?.stats;
  }

  async start(): Promise<void> {
    const { config, clock, log } = this;
    mkdirSync(config.dataDir, { recursive: true });
    const db = await openHubStore(config, this.instance);
    this.db = db;
    const signer = loadOrCreateSigningKey(config.signingKeyFile ?? join(config.dataDir, "hq-signing-key.json"));
    this.devices = new DeviceRegistry(db, clock);
    this.members = new MemberRegistry(db, clock);
    this.configs = new ConfigService(db, clock, config.chainId, signer);
    this.authorizer = new Authorizer(db, clock, this.members);
    this.ingest = new Ingest(db, clock, this.members, this.configs, ns(log, "hub:ingest"), this.authorizer);
    this.rollouts = new Rollouts(db, clock, this.configs, ns(log, "hub:rollout"));

    let url: string;
    let username = HUB_USERNAME;
    let password: string;
    let ca: Buffer | undefined;
    let protocolVersion: 4 | 5 = 4;
    let shareGroup: string | undefined;
    if (config.broker.mode === "embedded") {
      const broker = new EmbeddedBroker(this.devices, ns(log, "hub:broker"), { host: config.broker.host, port: config.broker.port });
      await broker.start();
      this.broker = broker;
      url = broker.url;
      password = broker.hubSecret;
    } else {
      url = config.broker.url;
      username = config.broker.username;
      const warning = secretFileWarning(config.broker.passwordFile);
      if (warning) log.warn(warning);
      password = readSecretFile(config.broker.passwordFile, "broker password");
      if (config.broker.caFile) ca = readFileSync(config.broker.caFile);
      protocolVersion = config.broker.protocolVersion;
      shareGroup = config.broker.shareGroup;
    }
    this.brokerUrl = url;
    this.provisioning = new Provisioning(
      db,
      clock,
      this.devices,
      {
        chainId: config.chainId,
        tokenTtlMs: config.provisioning.tokenTtlMinutes * 60_000,
        brokerUrl: () => config.provisioning.brokerUrl ?? this.brokerUrl,
        caPem: config.provisioning.caFile ? readFileSync(config.provisioning.caFile, "utf8") : undefined,
        trustedKeys: () => this.trustedKeys,
        ...(config.mosquitto ? { mosquitto: { ...config.mosquitto, hubUsername: username, hubPassword: password } } : {}),
      },
      ns(log, "hub:provisioning"),
    );
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
    this.link = new HubMqttLink(
      {
        url,
        chainId: config.chainId,
        username,
        password,
        clientId: `${this.instance}-${Math.floor(clock.now() % 1e6)}`.slice(0, 64),
        protocolVersion,
        ...(shareGroup ? { shareGroup } : {}),
        ...(ca ? { ca } : {}),
      },
      { devices: this.devices, ingest: this.ingest, members: this.members, configs: this.configs, rollouts: this.rollouts, authorizer: this.authorizer, clock, log: ns(log, "hub:mqtt") },
    );
    await this.link.start();

    const adminTokenHash = config.adminTokenHashFile ? readSecretFile(config.adminTokenHashFile, "admin token hash") : undefined;
    this.metrics = new HubMetrics({
      ingest: () => this.ingest.stats,
      mqtt: () => this.mqttStats,
      devices: () => this.devices.list(),
      configVersions: () => this.configs.stores().flatMap((storeId) => {
        const latest = this.configs.latest(storeId);
        return latest ? [{ storeId, version: latest.version }] : [];
      }),
      provisioning: () => this.provisioning.stats,
      logCounts: this.logCounts,
      clock,
    });
    const brokerPassword = password;
    this.backoffice = new Backoffice({ db, clock, log: ns(log, "hub:backoffice"), members: this.members, configs: this.configs, adminTokenHash, tmpDir: config.dataDir });
    const app = createHubApp({
      members: this.members,
      devices: this.devices,
      configs: this.configs,
      ingest: this.ingest,
      rollouts: this.rollouts,
      publish: (storeId, draft, plan) => this.publishConfig(storeId, draft, plan),
      adminTokenHash,
      requireAdmin: (authorization) => this.backoffice.requireAdmin(authorization),
      health: () => ({ chainId: config.chainId, instance: this.instance, store: db.engine, broker: url, ingest: this.ingest.stats }),
      mounts: [
        mountProvisioning(this.provisioning),
        mountMemberImport(this.members),
        mountMetrics(this.metrics),
        this.backoffice.mount(),
        ...(config.broker.mode === "external"
          ? [mountBrokerAuth({ authenticate: (u, p) => this.devices.authenticate(u, p), address: (u) => this.devices.get(u), hubUsername: username, hubPassword: brokerPassword })]
          : []),
      ],
    });
    await new Promise<void>((resolve) => {
      this.http = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, (info) => {
        this.httpPort = info.port;
        resolve();
      });
    });
    this.scheduler = createJobs(this.backoffice, ns(log, "hub:jobs"), { instance: this.instance });
    this.scheduler.start();
    log.info({ http: `http://${config.http.host}:${this.httpPort}`, broker: url }, "hub started");
  }

  /**
   * Signs the next config version for a store (from `draft`, or from the chain defaults and store
   * overrides when absent) and rolls it out to the store's kiosks according to `plan`.
   */
  publishConfig(storeId: string, draft?: Record<string, unknown>, plan?: unknown): { config: PublishedConfig; rollout: RolloutStatus } {
    const config = draft ? this.configs.publish(storeId, draft) : this.configs.publishComposed(storeId);
    return { config, rollout: this.rollouts.start(storeId, config.version, plan) };
  }

  /** The public keys kiosks trust for config bundles. */
  get trustedKeys(): Record<string, string> {
    return this.configs.publicKeys;
  }

  async stop(): Promise<void> {
    if (this.brokerFilesTimer) clearInterval(this.brokerFilesTimer);
    this.brokerFilesTimer = undefined;
    await this.scheduler?.stop();
    this.scheduler = undefined;
    const http = this.http;
    this.http = undefined;
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
    await this.link?.stop();
    this.link = undefined;
    await this.broker?.stop();
    this.broker = undefined;
    this.db?.close();
    this.db = undefined;
    this.log.info("hub stopped");
  }
}
