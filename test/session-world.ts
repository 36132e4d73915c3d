// A kiosk's session pieces on a real SQLite store with a manual clock and manual timers: no broker, no hub, no sleeps.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink, type Logger } from "../runtime/log.js";
import { createMemberCode, ReplayGuard } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import {
  ConfigContentSchema,
  MemberRecordSchema,
  type AuthRequest,
  type AuthResponse,
  type ConfigContent,
  type MemberRecord,
  type MemberRecordInput,
} from "../protocol/messages.js";
import { KIOSK_MIGRATIONS } from "../device/schema.js";
import { KioskStore } from "../device/store.js";
import { Checkout } from "../device/session/index.js";
import { ManualTimers } from "../device/session/testing/manual-timers.js";
import type { ReceiptData } from "../device/printer/types.js";

/** 2026-11-22 10:00 in the store (UTC+8). */
export const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
export const DAY = 24 * 3600_000;
export const BARCODE = { rice: "6901234560015", milk: "6901234560022", formula: "6901234560039", diapers: "6901234560046", oil: "6901234560053" } as const;

/** The demo rules plus coupons, points as cash and a stored-value spend order, for the session suites. */
export function sessionRules(): Record<string, unknown> {
  const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const points = rules.points as Record<string, unknown>;
  return {
    ...rules,
    points: { ...points, redemption: { mode: "ratio", pointsPerYuan: 100, capPercent: 50 } },
    storedValue: { spendOrder: "proportional" },
    coupons: [
      { id: "t200-50", name: "Spend 200 get 50 off", kind: "amount-off", thresholdFen: 20000, offFen: 5000 },
      { id: "t100-60", name: "Spend 100 get 60 off", kind: "amount-off", thresholdFen: 10000, offFen: 6000 },
      { id: "v5", name: "5 yuan voucher", kind: "amount-off", offFen: 500 },
      { id: "dairy-90", name: "10% off dairy", kind: "percent-off", percent: 90, scope: { categories: ["dairy"] } },
      { id: "big-exclusive", name: "100 yuan exclusive", kind: "amount-off", thresholdFen: 25000, offFen: 10000, exclusive: true },
    ],
  };
}

export interface FakeAuthorizer {
  /** "approve" | "decline" | "silent" (resolves undefined at once, like a disconnected hub) | "hang" (never answers). */
  mode: "approve" | "decline" | "silent" | "hang";
  reason?: AuthResponse["reason"];
  requests: AuthRequest[];
  fn: (req: AuthRequest, deadlineMs: number) => Promise<AuthResponse | undefined>;
}

export function fakeAuthorizer(): FakeAuthorizer {
  const a: FakeAuthorizer = {
    mode: "approve",
    requests: [],
    fn: (req) => {
      a.requests.push(req);
      switch (a.mode) {
        case "approve":
          return Promise.resolve({ requestId: req.requestId, approved: true, availableBalanceFen: 0, availablePoints: 0 });
        case "decline":
          return Promise.resolve({
            requestId: req.requestId,
            approved: false,
            reason: a.reason ?? "insufficient-balance",
            availableBalanceFen: 0,
            availablePoints: 0,
          });
        case "silent":
          return Promise.resolve(undefined);
        case "hang":
          return new Promise<undefined>(() => undefined);
      }
    },
  };
  return a;
}

export class SessionWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "session-"));
  readonly clock = new ManualClock(T0);
  readonly timers = new ManualTimers(this.clock);
  readonly sink = new MemoryLogSink();
  readonly log: Logger = createLogger("session-test", { destination: this.sink, level: "debug" });
  readonly receipts: ReceiptData[] = [];
  readonly lights = { success: 0, failure: 0, gate: [] as Array<number | undefined> };
  readonly auth = fakeAuthorizer();
  readonly keys = new Map<string, KeyPair>();
  db!: Database;
  store!: KioskStore;
  config!: ConfigContent;
  checkout!: Checkout;
  random = 0.99;
  private memberSeq = 0;
  private lastCode = new Map<string, number>();

  async start(device: Record<string, unknown> = {}, rules: Record<string, unknown> = sessionRules()): Promise<this> {
    this.db = await openDatabase(join(this.dir, "kiosk.db"));
    migrate(this.db, KIOSK_MIGRATIONS);
    this.store = new KioskStore(this.db);
    this.setConfig(device, rules);
    this.checkout = new Checkout({
      store: this.store,
      config: () => this.config,
      clock: this.clock,
      replay: new ReplayGuard(),
      printer: { print: (r) => Promise.resolve(void this.receipts.push(r)) },
      indicator: this.indicator,
      deviceId: "k1",
      log: this.log,
      onCommitted: () => undefined,
      authorize: (req, ms) => this.auth.fn(req, ms),
      timers: this.timers,
      random: () => this.random,
    });
    return this;
  }

  readonly indicator = {
    success: (): void => void this.lights.success++,
    failure: (): void => void this.lights.failure++,
    openGate: (ms?: number): Promise<void> => {
      this.lights.gate.push(ms);
      return Promise.resolve();
    },
  };

  setConfig(device: Record<string, unknown>, rules: Record<string, unknown> = sessionRules(), version = 1): void {
    this.config = ConfigContentSchema.parse({ version, chainId: "demo", storeId: "s01", issuedAt: T0, rules, device });
  }

  addMember(patch: Partial<MemberRecordInput> & { memberId: string }): MemberRecord {
    const keys = generateKeyPair();
    const m = MemberRecordSchema.parse({
      cardId: `C${patch.memberId}`,
      name: "王小明",
      levelId: "gold",
      cardClass: "standard",
      status: "active",
      pointsBalance: 0,
      balanceFen: 0,
      ...patch,
      cardPublicKey: keys.publicKey,
    });
    this.keys.set(m.cardId, keys);
    this.store.applyMemberChanges([{ kind: "upsert", seq: ++this.memberSeq, member: m }], this.memberSeq, false);
    return m;
  }

  /** A fresh live code for the member's card (one second later than the last one, like a phone). */
  code(cardId: string): string {
    const keys = this.keys.get(cardId);
    if (!keys) throw new Error(`no keys for ${cardId}`);
    const sec = Math.max(Math.floor(this.clock.now() / 1000), (this.lastCode.get(cardId) ?? 0) + 1);
    this.lastCode.set(cardId, sec);
    return createMemberCode(cardId, keys, sec * 1000);
  }

  facts(type?: string): Array<{ seq: number; fact: Record<string, unknown> }> {
    return this.store
      .entries()
      .filter((e) => !type || e.fact.type === type)
      .map((e) => ({ seq: e.seq, fact: e.fact as unknown as Record<string, unknown> }));
  }

  stop(): void {
    this.checkout?.reset();
    this.db?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
