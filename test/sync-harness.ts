// Test harness for the sync suites: a hub (embedded broker or a real Mosquitto), members with phone keys, fast in-process kiosks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink, type Logger } from "../runtime/log.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import type { Hub } from "../hub/hub.js";
import type { Kiosk } from "../device/kiosk.js";
import type { CompletedSale, PayWith } from "../device/session/index.js";
import type { KioskConfigInput } from "../device/config.js";
import { demoRules, startDemoHub, startKiosk, waitUntil, type DemoHubOptions } from "../scripts/demo-env.js";
import { freePort, type RunningMosquitto } from "./mosquitto.js";

export const CHAIN = "demo";
export const BARCODES = { rice: "6901234560015", milk: "6901234560022", formula: "6901234560039", diapers: "6901234560046" } as const;

export interface TestMember {
  memberId: string;
  cardId: string;
  keys: KeyPair;
}

export class SyncWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "sync-"));
  readonly sink = new MemoryLogSink();
  readonly log: Logger = createLogger("sync-test", { destination: this.sink, level: "info" });
  hub!: Hub;
  hubOptions!: DemoHubOptions;
  readonly kiosks = new Map<string, Kiosk>();
  readonly kioskConfigs = new Map<string, KioskConfigInput>();
  /** Seconds each card's codes were made for, per kiosk (a kiosk refuses a code it has seen in its window). */
  private codeSeconds = new Map<string, Set<number>>();

  constructor(
    private readonly mosquitto?: RunningMosquitto,
    /** The hub's SQLite ingest workers (store.ingestWorkers; default none, batches applied in its thread). */
    private readonly ingestWorkers?: number,
  ) {}

  async startHub(): Promise<Hub> {
    if (!this.hubOptions) {
      if (this.mosquitto) {
        const passwordFile = join(this.dir, "hub-password");
        writeFileSync(passwordFile, "anonymous-test-broker");
        this.hubOptions = { dataDir: this.dir, external: { url: this.mosquitto.url, passwordFile, protocolVersion: 5 } };
      } else {
        this.hubOptions = { dataDir: this.dir, brokerPort: await freePort() };
      }
      if (this.ingestWorkers) this.hubOptions.ingestWorkers = this.ingestWorkers;
    }
    this.hub = await startDemoHub(this.hubOptions, systemClock, this.log);
    return this.hub;
  }

  publishDemoConfig(storeId: string, device: Record<string, unknown> = {}, plan?: unknown): number {
    return this.hub.publishConfig(storeId, { rules: demoRules(), device }, plan).config.version;
  }

  addMember(memberId: string, opts: { balanceFen?: number; stores?: string[] } = {}): TestMember {
    const keys = generateKeyPair();
    const cardId = `C${memberId}`;
    this.hub.members.create({
      memberId,
      cardId,
      name: `member ${memberId}`,
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: keys.publicKey,
      balanceFen: opts.balanceFen ?? 0,
      ...(opts.stores ? { stores: opts.stores } : {}),
    });
    return { memberId, cardId, keys };
  }

  async addKiosk(deviceId: string, storeId: string, overrides: Partial<KioskConfigInput> = {}): Promise<Kiosk> {
    this.provisionKiosk(deviceId, storeId, overrides);
    return this.startKiosk(deviceId);
  }

  /** Provisions a kiosk at the hub and writes its identity files; returns its config (started by startKiosk, or in another process). */
  provisionKiosk(deviceId: string, storeId: string, overrides: Partial<KioskConfigInput> = {}): KioskConfigInput {
    const kioskDir = join(this.dir, deviceId);
    mkdirSync(kioskDir, { recursive: true });
    const creds = this.hub.devices.provision({ chainId: CHAIN, storeId, deviceId });
    const passwordFile = join(kioskDir, "secret");
    writeFileSync(passwordFile, creds.password, { mode: 0o600 });
    const config: KioskConfigInput = {
      chainId: CHAIN,
      storeId,
      deviceId,
      dataDir: kioskDir,
      hub: { url: this.hub.brokerUrl, username: deviceId, passwordFile, trustedKeys: this.hub.trustedKeys },
      scan: { source: { driver: "simulated" }, decoder: "inline" },
      printer: { transport: "simulated" },
      gpio: { driver: "simulated" },
      ...overrides,
    };
    this.kioskConfigs.set(deviceId, config);
    return config;
  }

  async startKiosk(deviceId: string): Promise<Kiosk> {
    const config = this.kioskConfigs.get(deviceId);
    if (!config) throw new Error(`no kiosk ${deviceId}`);
    const { kiosk } = await startKiosk(config, systemClock, this.log);
    this.kiosks.set(deviceId, kiosk);
    return kiosk;
  }

  kiosk(deviceId: string): Kiosk {
    const k = this.kiosks.get(deviceId);
    if (!k) throw new Error(`kiosk ${deviceId} not running`);
    return k;
  }

  async ready(kiosk: Kiosk, memberIds: readonly string[] = []): Promise<void> {
    await waitUntil(
      () => kiosk.sync.current !== undefined && memberIds.every((m) => kiosk.store.member(m) !== undefined),
      "kiosk has config and members",
      20_000,
    );
  }

  /** A fresh live code: distinct per checkout (a kiosk refuses a code it has seen), time within the window. */
  memberCode(m: TestMember, kiosk: Kiosk): string {
    const nowSec = Math.floor(kiosk.clock.now() / 1000);
    const key = `${kiosk.deviceId}/${m.cardId}`;
    const used = this.codeSeconds.get(key) ?? new Set<number>();
    this.codeSeconds.set(key, used);
    for (const s of used) if (s < nowSec - 120) used.delete(s);
    // The newest second inside the code window that this kiosk has not seen for this card (a real
    // member's app makes one code per refresh; the tests make them faster than that).
    let sec = nowSec;
    while (used.has(sec)) sec--;
    if (sec <= nowSec - 55) throw new Error(`test harness: more than 55 codes for ${m.cardId} at ${kiosk.deviceId} within a minute`);
    used.add(sec);
    return createMemberCode(m.cardId, m.keys, sec * 1000);
  }

  /** A checkout through the kiosk's scan handling (member code and barcodes as text), then payment. */
  async checkout(kiosk: Kiosk, m: TestMember, barcodes: readonly string[], payWith: PayWith = "external"): Promise<CompletedSale> {
    const who = kiosk.handleText(this.memberCode(m, kiosk));
    if (who.kind !== "member") throw new Error(`member refused: ${JSON.stringify(who)}`);
    for (const b of barcodes) {
      const o = kiosk.handleText(b);
      if (o.kind !== "product") throw new Error(`product refused: ${JSON.stringify(o)}`);
    }
    return kiosk.checkout.finish(payWith);
  }

  async stop(): Promise<void> {
    for (const k of this.kiosks.values()) await k.stop().catch(() => undefined);
    this.kiosks.clear();
    await this.hub?.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What every kiosk committed, as the hub should have it. */
export function committedTotals(kiosks: Iterable<Kiosk>): { sales: number; totalFen: number } {
  let sales = 0;
  let totalFen = 0;
  for (const k of kiosks) {
    for (const e of k.store.entries()) {
      if (e.fact.type !== "sale") continue;
      sales++;
      totalFen += e.fact.hints.totalFen;
    }
  }
  return { sales, totalFen };
}

export async function allSynced(kiosks: Iterable<Kiosk>, timeoutMs = 30_000): Promise<void> {
  const list = [...kiosks];
  await waitUntil(() => list.every((k) => k.store.outboxDepth() === 0 && k.store.ackedSeq() === k.store.lastSeq()), "all kiosks acknowledged", timeoutMs);
}
