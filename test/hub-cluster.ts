// Harness for several hub processes on one store (SQLite or a PostgreSQL schema) behind a real Mosquitto with a
// shared subscription, fed by in-process simulated kiosks: used by test/hub-cluster.test.ts and bench/hub-scale.bench.ts.
//
// The hubs are real child processes (`node --import tsx hub/main.ts --config <file>`), each with its own
// dataDir and HTTP port, all with the same signing key and admin token. Devices, members and a signed
// config version per store are seeded into the store before the hubs start, through the hub's own
// registries (hub/store.ts opens and migrates it exactly as a hub does).
import type { IngestStats as HubIngestStats } from "../hub/ingest.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink, type Logger } from "../runtime/log.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import { parseHubConfig, type HubConfig } from "../hub/config.js";
import type { Kiosk } from "../device/kiosk.js";
import type { KioskConfigInput } from "../device/config.js";
import { startKiosk, waitUntil } from "../scripts/demo-env.js";
import { freePort, type RunningMosquitto } from "./mosquitto.js";
import { BARCODES } from "./sync-harness.js";
import { dropSchema, freshSchemaName, postgresUrl } from "./postgres.js";
import { seedClusterStore } from "./hub-cluster-seed.js";

export const CLUSTER_CHAIN = "demo";
const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Baskets the simulated customers buy, in turn. */
export const BASKETS: ReadonlyArray<readonly string[]> = [
  [BARCODES.rice],
  [BARCODES.milk, BARCODES.milk],
  [BARCODES.formula, BARCODES.diapers],
  [BARCODES.diapers, BARCODES.rice, BARCODES.milk],
];

export interface ClusterOptions {
  mosquitto: RunningMosquitto;
  /** Hub processes to run. */
  instances: number;
  store: "sqlite" | "postgres";
  /** MQTT shared-subscription group; none: plain subscriptions (a single hub). */
  shareGroup?: string;
  kiosks: number;
  /** Kiosks are spread over this many stores (s01, s02, ...). */
  stores?: number;
  /** Members of each store (kiosks know only their store's members). */
  membersPerStore?: number;
  /**
   * "store" (default): every kiosk of a store sells to all of the store's members, so batches that two
   * hubs apply at once touch the same member rows. "kiosk": the store's members are split between its
   * kiosks, so concurrent batches never share a member (the contention-free case).
   */
  memberScope?: "store" | "kiosk";
  /** The hubs' log level (their stdout is kept, last lines only, for failure messages). */
  hubLogLevel?: "info" | "warn" | "error";
  /** Ingest worker processes per hub (store.ingestWorkers; the hub's default when absent: 2 on PostgreSQL, none on SQLite). */
  ingestWorkers?: number;
}

export interface TestMember {
  memberId: string;
  cardId: string;
  keys: KeyPair;
}

export interface HubProcess {
  index: number;
  child: ChildProcess;
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Its instance name (GET /healthz): in job_history and as the application_name of its PostgreSQL connection. */
  instance: string | undefined;
  /** The last lines of its stdout (pino JSON) and stderr. */
  tail(): string;
  /** Whether it is still running. */
  alive(): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What a hub's /stats/ingest answers (the counters this harness reads). */
export type IngestStats = Pick<HubIngestStats, "applied" | "duplicates" | "rejected" | "gaps" | "disagreements">;

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export class HubCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "hub-cluster-"));
  /**
   * The simulated kiosks' SQLite files: on tmpfs when there is one. Twenty kiosks share this process's
   * event loop, and each fsync of one (an ack, a member push) would stall all of them.
   */
  readonly kioskDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "hub-cluster-kiosks-"));
  readonly schema: string;
  readonly hubs: HubProcess[] = [];
  readonly kiosks: Kiosk[] = [];
  readonly members: TestMember[] = [];
  /** The member ids each kiosk sells to (same index as `kiosks`). */
  readonly kioskMembers: string[][] = [];
  readonly adminToken = randomBytes(24).toString("base64url");
  readonly kioskSink = new MemoryLogSink();
  readonly kioskLog: Logger = createLogger("cluster-kiosk", { destination: this.kioskSink, level: "warn" });
  private readonly keyFile: string;
  private readonly signer: { keyId: string; keys: KeyPair };
  private memberIndex: Map<string, TestMember> | undefined;
  private get memberById(): Map<string, TestMember> {
    return (this.memberIndex ??= new Map(this.members.map((m) => [m.memberId, m])));
  }
  private readonly usedSeconds = new Map<string, Set<number>>();
  private readonly kioskConfigs: KioskConfigInput[] = [];
  private stopped = false;
  private readonly children: ChildProcess[] = [];

  constructor(readonly opts: ClusterOptions) {
    this.schema = opts.store === "postgres" ? freshSchemaName("cluster") : "";
    const keys = generateKeyPair();
    this.signer = { keyId: `hq-${keys.publicKey.slice(0, 8)}`, keys };
    this.keyFile = join(this.dir, "hq-signing-key.json");
    writeFileSync(this.keyFile, JSON.stringify({ keyId: this.signer.keyId, ...keys }), { mode: 0o600 });
    writeFileSync(join(this.dir, "admin-token.sha256"), createHash("sha256").update(this.adminToken).digest("hex"), { mode: 0o600 });
    // The test broker allows anonymous clients: the hub's password is not checked.
    writeFileSync(join(this.dir, "broker-password"), "anonymous-test-broker", { mode: 0o600 });
  }

  get storeIds(): string[] {
    return Array.from({ length: this.opts.stores ?? 4 }, (_, i) => `s${String(i + 1).padStart(2, "0")}`);
  }

  hubConfigInput(index: number, httpPort = 0): Record<string, unknown> {
    const { opts } = this;
    return {
      chainId: CLUSTER_CHAIN,
      dataDir: join(this.dir, `hub-${index}`),
      http: { host: "127.0.0.1", port: httpPort },
      broker: {
        mode: "external",
        url: opts.mosquitto.url,
        username: "hub",
        passwordFile: join(this.dir, "broker-password"),
        protocolVersion: 5,
        ...(opts.shareGroup ? { shareGroup: opts.shareGroup } : {}),
      },
      store:
        opts.store === "postgres"
          ? { kind: "postgres", url: postgresUrl(), schema: this.schema, ...(opts.ingestWorkers ? { ingestWorkers: opts.ingestWorkers } : {}) }
          : { kind: "sqlite", ...(opts.ingestWorkers ? { ingestWorkers: opts.ingestWorkers } : {}) },
      signingKeyFile: this.keyFile,
      adminTokenHashFile: join(this.dir, "admin-token.sha256"),
      logLevel: opts.hubLogLevel ?? "info",
    };
  }

  hubConfig(index: number): HubConfig {
    return parseHubConfig(this.hubConfigInput(index));
  }

  /**
   * Seeds the store as an operator would before the kiosks come: a signed config version per store
   * (rolled out to its kiosks), the kiosks' device identities, the members with their phone keys.
   */
  async seed(): Promise<void> {
    const seeded = await seedClusterStore({
      opts: this.opts,
      hubConfig: this.hubConfig(0),
      signer: this.signer,
      storeIds: this.storeIds,
      kioskDir: this.kioskDir,
      firstMember: this.members.length,
    });
    this.members.push(...seeded.members);
    this.kioskMembers.push(...seeded.kioskMembers);
    this.kioskConfigs.push(...seeded.kioskConfigs);
  }

  /** Starts hub `index` as a child process and waits until its HTTP API answers (it listens after connecting to the broker). */
  async startHub(index: number): Promise<HubProcess> {
    const configFile = join(this.dir, `hub-${index}.json`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    writeFileSync(configFile, JSON.stringify(this.hubConfigInput(index, port)));
    if (this.stopped) throw new Error("cluster stopped");
    const child = spawn(process.execPath, ["--import", "tsx", "hub/main.ts", "--config", configFile], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Tracked from the start: a hub still starting when another failed is stopped with the rest.
    this.children.push(child);
    const lines: string[] = [];
    const keep = (l: string): void => {
      lines.push(l);
      if (lines.length > 300) lines.splice(0, lines.length - 200);
    };
    createInterface({ input: child.stdout! }).on("line", keep);
    createInterface({ input: child.stderr! }).on("line", (l) => keep(`stderr: ${l}`));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => {
        exit = { code, signal };
        resolve(exit);
      }),
    );
    const tail = (): string => lines.slice(-40).join("\n");
    const deadline = Date.now() + 60_000;
    let instance: string | undefined;
    for (;;) {
      if (exit) throw new Error(`hub ${index} exited (${exit.code ?? exit.signal}) while starting:\n${tail()}`);
      const health = await fetch(`${url}/healthz`).then(
        (r) => (r.ok ? (r.json() as Promise<{ instance?: string }>) : undefined),
        () => undefined,
      );
      if (health) {
        instance = health.instance;
        break;
      }
      if (Date.now() > deadline || this.stopped) {
        child.kill("SIGKILL");
        throw new Error(`hub ${index} did not answer on ${url} within 60 s:\n${tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const hub: HubProcess = { index, child, pid: child.pid!, url, instance, tail, alive: () => exit === undefined, exited };
    this.hubs[index] = hub;
    return hub;
  }

  /**
   * Starts every hub at once: they migrate, create their tables, subscribe and run their start-up jobs
   * concurrently, as a deployment restarting all instances does. `firstAlone`: hub 0 first (it sets
   * the store up), then the others together.
   */
  async startHubs(opts: { firstAlone?: boolean } = {}): Promise<HubProcess[]> {
    const { instances } = this.opts;
    if (opts.firstAlone) {
      await this.startHub(0);
      await Promise.all(Array.from({ length: instances - 1 }, (_, i) => this.startHub(i + 1)));
      return this.hubs;
    }
    return Promise.all(Array.from({ length: instances }, (_, i) => this.startHub(i)));
  }

  /** SIGKILL (or another signal) to one hub; resolves when it is gone. */
  async kill(index: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const hub = this.hubs[index];
    if (!hub?.alive()) return;
    hub.child.kill(signal);
    await hub.exited;
  }

  /** Starts every kiosk in this process and waits until each has its config and members. */
  async startKiosks(): Promise<Kiosk[]> {
    const started = await Promise.all(this.kioskConfigs.map(async (c) => (await startKiosk(c, systemClock, this.kioskLog)).kiosk));
    this.kiosks.push(...started);
    await waitUntil(
      () => this.kiosks.every((k, i) => k.sync.current !== undefined && this.kioskMembers[i]!.every((m) => k.store.member(m) !== undefined)),
      "every kiosk has its config and members",
      60_000,
    );
    return this.kiosks;
  }

  /** A fresh live code for the member: a second (within the last 50) this card has not used yet. */
  async memberCode(m: TestMember): Promise<string> {
    let used = this.usedSeconds.get(m.cardId);
    if (!used) this.usedSeconds.set(m.cardId, (used = new Set()));
    for (;;) {
      const now = Math.floor(Date.now() / 1000);
      for (let s = now; s > now - 50; s--) {
        if (used.has(s)) continue;
        used.add(s);
        if (used.size > 200) for (const old of used) if (old < now - 120) used.delete(old);
        return createMemberCode(m.cardId, m.keys, s * 1000);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** One checkout on kiosk `k`: member code, the basket, external payment. */
  async checkout(k: number, n: number): Promise<void> {
    const kiosk = this.kiosks[k]!;
    const ids = this.kioskMembers[k]!;
    const member = this.memberById.get(ids[(n + k) % ids.length]!)!;
    const who = kiosk.handleText(await this.memberCode(member));
    if (who.kind !== "member") throw new Error(`kiosk ${kiosk.deviceId}: member ${member.memberId} refused: ${JSON.stringify(who)}`);
    for (const b of BASKETS[(n + k) % BASKETS.length]!) {
      const o = kiosk.handleText(b);
      if (o.kind !== "product") throw new Error(`kiosk ${kiosk.deviceId}: product ${b} refused: ${JSON.stringify(o)}`);
    }
    await kiosk.checkout.finish("external");
  }

  /** Kiosk `k` sells `n` baskets one after the other, yielding to I/O between them (`onEach` after each sale). */
  async sell(k: number, n: number, onEach?: () => void): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.checkout(k, i);
      onEach?.();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Kiosk `k`'s config (its broker identity), as it was started with. */
  kioskConfig(k: number): KioskConfigInput {
    const c = this.kioskConfigs[k];
    if (!c) throw new Error(`no kiosk ${k}`);
    return c;
  }

  /** Entries written by all kiosks, and how many the hubs have acknowledged so far. */
  progress(): { written: number; acked: number; kiosksWaiting: number } {
    let written = 0;
    let acked = 0;
    let kiosksWaiting = 0;
    for (const k of this.kiosks) {
      written += k.store.lastSeq();
      acked += k.store.ackedSeq();
      if (k.store.outboxDepth() > 0) kiosksWaiting++;
    }
    return { written, acked, kiosksWaiting };
  }

  /** Waits until every kiosk has every entry it wrote acknowledged. */
  async allAcked(timeoutMs: number): Promise<void> {
    await waitUntil(
      () => this.kiosks.every((k) => k.store.outboxDepth() === 0 && k.store.ackedSeq() === k.store.lastSeq()),
      `every kiosk acknowledged (${JSON.stringify(this.progress())})`,
      timeoutMs,
    );
  }

  /** What the kiosks committed, from their own ledgers: the totals the hub must end with. */
  kioskTotals(): { entries: number; sales: number; totalFen: number; pointsEarned: number } {
    let entries = 0;
    let sales = 0;
    let totalFen = 0;
    let pointsEarned = 0;
    for (const k of this.kiosks) {
      for (const e of k.store.entries()) {
        entries++;
        if (e.fact.type !== "sale") continue;
        sales++;
        totalFen += e.fact.hints.totalFen;
        pointsEarned += e.fact.hints.pointsEarned;
      }
    }
    return { entries, sales, totalFen, pointsEarned };
  }

  /** GET on one hub's HTTP API (with the admin token). */
  async get<T>(index: number, path: string): Promise<T> {
    return getJson<T>(`${this.hubs[index]!.url}${path}`, { authorization: `Bearer ${this.adminToken}` });
  }

  /** POST (JSON body) on one hub's HTTP API with the admin token (an hq-admin in the back office). */
  async post<T>(index: number, path: string, body: unknown): Promise<T> {
    const r = await fetch(`${this.hubs[index]!.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`POST ${path} on hub ${index}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  async ingestStats(index: number): Promise<IngestStats> {
    return this.get<IngestStats>(index, "/stats/ingest");
  }

  /** Last lines of every hub's output, for failure messages. */
  hubTails(): string {
    return this.hubs.map((h) => `--- hub ${h.index} (pid ${h.pid}${h.alive() ? "" : ", exited"})\n${h.tail()}`).join("\n");
  }

  /** Stops the kiosks and the hubs, drops the schema and the temporary files. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.kiosks.map((k) => k.stop().catch(() => undefined)));
    this.kiosks.length = 0;
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(t);
      }),
    );
    if (this.opts.store === "postgres") await dropSchema(this.schema).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.kioskDir, { recursive: true, force: true });
  }
}
