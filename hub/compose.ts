// The hub's composition root: buildHub() opens the store and builds registries, broker, MQTT link, back office, jobs and the HTTP app; Hub.start() starts them.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import { openHubStore, sqliteHubPath } from "./store.js";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { readSecretFile, secretFileWarning } from "../runtime/config-env.js";
import type { HubConfig } from "./config.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService, type SigningIdentity } from "./config-service.js";
import { Ingest } from "./ingest.js";
import { IngestPool } from "./ingest-pool.js";
import { EmbeddedBroker, HUB_USERNAME } from "./broker.js";
import { HubMqttLink, type MqttLinkOptions } from "./mqtt-link.js";
import { readIngestTotals } from "./ingest-totals.js";
import { createHubApp } from "./http.js";
import { Rollouts } from "./rollouts.js";
import { Authorizer } from "./authorizer.js";
import { Provisioning, mountProvisioning } from "./provisioning.js";
import { HubMetrics, mountMetrics } from "./metrics.js";
import { mountBrokerAuth } from "./mosquitto-auth.js";
import { mountMemberImport } from "./member-import.js";
import { Backoffice, createBackofficeServices } from "./backoffice/index.js";
import { createJobs, jobsView } from "./jobs/index.js";
import { senderFromEnv } from "./app/messages.js";
import { mountConsole } from "./console/serve.js";
import { Hub, publishConfig } from "./hub.js";
import { FleetCommands } from "./fleet.js";
import { AuditLog } from "./audit.js";

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

export interface HubDeps {
  clock: Clock;
  log: Logger;
  /** Log lines counted by level on their way out (main.ts), for the errors metric. */
  logCounts?: () => Readonly<Record<string, number>>;
}

/** Builds the hub's object graph; each secret file is read once, here. Nothing listens or connects until Hub.start(). */
export async function buildHub(config: HubConfig, deps: HubDeps): Promise<Hub> {
  const instance = `hub-${hostname()}-${process.pid}`;
  mkdirSync(config.dataDir, { recursive: true });
  const db = await openHubStore(config, instance);
  try {
    return buildOnStore(config, deps, db, instance);
  } catch (err) {
    db.close();
    throw err;
  }
}

function buildOnStore(config: HubConfig, deps: HubDeps, db: Database, instance: string): Hub {
  const { clock, log } = deps;
  const signer = loadOrCreateSigningKey(config.signingKeyFile ?? join(config.dataDir, "hq-signing-key.json"));
  const devices = new DeviceRegistry(db, clock);
  const members = new MemberRegistry(db, clock);
  const configs = new ConfigService(db, clock, config.chainId, signer);
  const authorizer = new Authorizer(db, clock, members);
  const ingest = new Ingest(db, clock, members, configs, ns(log, "hub:ingest"), authorizer);
  const rollouts = new Rollouts(db, clock, configs, ns(log, "hub:rollout"));
  const publish = publishConfig(configs, rollouts);

  // The broker: embedded (its address is known once it listens) or external (secret read here, once).
  let broker: EmbeddedBroker | undefined;
  let brokerUrl: () => string;
  let username = HUB_USERNAME;
  let password: string;
  let link: Omit<MqttLinkOptions, "url" | "chainId" | "username" | "password" | "clientId"> = { protocolVersion: 4 };
  if (config.broker.mode === "embedded") {
    const embedded = new EmbeddedBroker(devices, ns(log, "hub:broker"), { host: config.broker.host, port: config.broker.port });
    broker = embedded;
    brokerUrl = () => embedded.url;
    password = embedded.hubSecret;
  } else {
    const external = config.broker;
    brokerUrl = () => external.url;
    username = external.username;
    const warning = secretFileWarning(external.passwordFile);
    if (warning) log.warn(warning);
    password = readSecretFile(external.passwordFile, "broker password");
    link = {
      protocolVersion: external.protocolVersion,
      ...(external.shareGroup ? { shareGroup: external.shareGroup } : {}),
      ...(external.caFile ? { ca: readFileSync(external.caFile) } : {}),
    };
  }
  const provisioning = new Provisioning(
    db,
    clock,
    devices,
    {
      chainId: config.chainId,
      tokenTtlMs: config.provisioning.tokenTtlMinutes * 60_000,
      brokerUrl: () => config.provisioning.brokerUrl ?? brokerUrl(),
      caPem: config.provisioning.caFile ? readFileSync(config.provisioning.caFile, "utf8") : undefined,
      trustedKeys: () => configs.publicKeys,
      ...(config.mosquitto ? { mosquitto: { ...config.mosquitto, hubUsername: username, hubPassword: password } } : {}),
    },
    ns(log, "hub:provisioning"),
  );
  const linkOptions: MqttLinkOptions = {
    // Read when the link connects: the embedded broker's port is known once it listens.
    get url() {
      return brokerUrl();
    },
    chainId: config.chainId,
    username,
    password,
    clientId: `${instance}-${Math.floor(clock.now() % 1e6)}`.slice(0, 64),
    ...link,
  };
  const fleet = new FleetCommands(db, clock, devices, (v) => configs.sign(v), new AuditLog(db, clock), ns(log, "hub:fleet"));
  // PostgreSQL: ledger batches are applied in worker processes, off the event loop (README "Scaling out");
  // SQLite: in this thread, or with ingestWorkers 1 in a worker process on the same file.
  const store = config.store;
  const ingestWorkers = store.kind === "postgres" ? store.ingestWorkers : (store.ingestWorkers ?? 0);
  const ingestPool =
    ingestWorkers > 0
      ? new IngestPool({
          workers: ingestWorkers,
          worker: {
            database: store.kind === "postgres" ? { kind: "postgres", url: store.url, schema: store.schema } : { kind: "sqlite", path: sqliteHubPath(config) },
            applicationName: instance,
            chainId: config.chainId,
            keyId: signer.keyId,
            publicKey: signer.keys.publicKey,
          },
          stats: ingest.stats,
          clock,
          log: ns(log, "hub:ingest"),
        })
      : undefined;
  const mqtt = new HubMqttLink(linkOptions, {
    devices,
    ingest,
    ...(ingestPool ? { ledger: ingestPool } : {}),
    members,
    configs,
    rollouts,
    authorizer,
    fleet,
    clock,
    log: ns(log, "hub:mqtt"),
  });

  const adminTokenHash = config.adminTokenHashFile ? readSecretFile(config.adminTokenHashFile, "admin token hash") : undefined;
  const metrics = new HubMetrics({
    ingest: () => ingest.stats,
    mqtt: () => mqtt.stats,
    devices: () => devices.list(),
    configVersions: () =>
      configs.stores().flatMap((storeId) => {
        const latest = configs.latest(storeId);
        return latest ? [{ storeId, version: latest.version }] : [];
      }),
    provisioning: () => provisioning.stats,
    logCounts: deps.logCounts ?? (() => ({})),
    clock,
  });
  // The services first, then the scheduler over them, then the back office given both (no after-construction wiring).
  const services = createBackofficeServices({ db, clock, log: ns(log, "hub:backoffice"), members, configs, adminTokenHash, tmpDir: config.dataDir });
  const messageSender = senderFromEnv(process.env, ns(log, "hub:messages"));
  const scheduler = createJobs(services, ns(log, "hub:jobs"), { instance, sender: messageSender });
  const backoffice = new Backoffice({
    db,
    clock,
    log: ns(log, "hub:backoffice"),
    members,
    configs,
    adminTokenHash,
    tmpDir: config.dataDir,
    services,
    jobs: jobsView(scheduler),
    messageSender,
    console: config.console,
    publish: (storeId, draft) => publish(storeId, draft).config,
    rollouts,
    publishRollout: (storeId, draft, plan) => publish(storeId, draft, plan),
    fleet: {
      devices,
      commands: fleet,
      createToken: (storeId, deviceId, ttlMs) => provisioning.createToken(storeId, deviceId, ttlMs),
      hubUrl: () => (config.console?.publicUrl ? new URL(config.console.publicUrl).origin : undefined),
    },
  });
  const startedAt = clock.now();
  const app = createHubApp({
    members,
    devices,
    configs,
    ingest,
    rollouts,
    publish,
    adminTokenHash,
    requireAdmin: (authorization) => backoffice.requireAdmin(authorization),
    health: () => ({ chainId: config.chainId, instance, store: db.engine, broker: brokerUrl(), ingest: ingest.stats }),
    ingestTotals: () => ({ ...readIngestTotals(db) }),
    startedAt,
    mounts: [
      mountProvisioning(provisioning),
      mountMemberImport(members, backoffice.deps),
      mountMetrics(metrics),
      backoffice.mount(),
      mountConsole(config.console?.dir),
      ...(config.broker.mode === "external"
        ? [
            mountBrokerAuth({
              authenticate: (u, p) => devices.authenticate(u, p),
              address: (u) => devices.get(u),
              hubUsername: username,
              hubPassword: password,
            }),
          ]
        : []),
    ],
  });
  return new Hub({
    config,
    log,
    instance,
    db,
    devices,
    members,
    configs,
    ingest,
    rollouts,
    authorizer,
    provisioning,
    metrics,
    backoffice,
    broker,
    brokerUrl,
    link: mqtt,
    ...(ingestPool ? { ingestPool } : {}),
    app,
    scheduler,
  });
}
