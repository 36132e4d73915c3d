// The kiosk service: wires storage, sync, scanner, checkout session, gate, returns, staff sign-in, printer and lights.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, migrate, type Database } from "../storage/sqlite.js";
import { OffsetClock, type Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../protocol/log.js";
import { parseRulesConfig } from "../protocol/rules/config.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";
import { SqliteReplayStore } from "./replay-store.js";
import { KioskSync } from "./sync.js";
import { Checkout, CheckoutError, type Indicator, type CheckoutPrinter } from "./checkout.js";
import { Gate, type GateRelay } from "./gate.js";
import { Returns, ReturnError } from "./returns.js";
import { StaffAuth } from "./staff-auth.js";
import { systemTimers, type Timers } from "./session/timers.js";
import type { KioskConfig } from "./config.js";
import type { Scanner } from "./scan/scanner.js";
import type { FrameSource, ScanResult } from "./scan/types.js";
import { collectHealth, type DriverHealth, type HealthLevel, type HealthReporter } from "./health.js";
import { classifyScan } from "./scan/classify.js";

/** The hardware the kiosk drives, built from the config by device/hardware.ts (real or simulated drivers). */
export interface KioskHardware {
  source: FrameSource;
  scanner: Scanner;
  printer: CheckoutPrinter & { start(): Promise<void>; stop(): Promise<void> } & HealthReporter;
  indicator: Indicator & Pick<GateRelay, "openGate"> & { start(): Promise<void>; stop(): Promise<void> } & HealthReporter;
  /** Extra health reporters (camera, GPIO...). */
  reporters: Array<{ name: string; reporter: HealthReporter }>;
}

export type ScanOutcome =
  | { kind: "member"; memberId: string; verification?: true }
  | { kind: "product"; sku: string; name: string; qty: number }
  | { kind: "gate"; admitted: boolean; code?: string; message: string; memberId?: string }
  | { kind: "receipt"; saleId: string }
  | { kind: "refused"; code: string; message: string }
  | { kind: "ignored" };

/** Injected time and chance for the session, gate and returns (tests pass manual timers and a fixed random). */
export interface KioskOptions {
  timers?: Timers;
  random?: () => number;
}

export class Kiosk {
  private db: Database | undefined;
  store!: KioskStore;
  sync!: KioskSync;
  checkout!: Checkout;
  gate!: Gate;
  returns!: Returns;
  staff!: StaffAuth;
  readonly clock: OffsetClock;
  /** The last scan and what the kiosk did with it (the customer display shows refusals). */
  lastScan: { outcome: ScanOutcome; at: number } | undefined;
  /** The staff decisions this kiosk recorded since it started (the staff page lists the latest). */
  readonly recentDecisions: Array<{ requestId: string; staffId: string; decision: string; member: string; at: number }> = [];
  private readonly changeListeners = new Set<() => void>();
  private readonly timers: Timers;
  /** Counters for /metrics (device/metrics.ts). */
  readonly stats = { checkouts: 0 };
  private readonly scanListeners: Array<(r: ScanResult, o: ScanOutcome) => void> = [];
  private unsubscribeScan: (() => void) | undefined;

  constructor(
    private readonly config: KioskConfig,
    private readonly hardware: KioskHardware,
    private readonly baseClock: Clock,
    private readonly log: Logger,
    private readonly options: KioskOptions = {},
  ) {
    this.clock = new OffsetClock(baseClock);
    this.timers = options.timers ?? systemTimers();
  }

  get deviceId(): string {
    return this.config.deviceId;
  }

  /** Anything the pages show changed (session, gate, returns, members, config, a scan): for live updates. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) {
      try {
        l();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, "change listener failed");
      }
    }
  }

  async start(): Promise<void> {
    const { config, log, hardware } = this;
    mkdirSync(config.dataDir, { recursive: true });
    const db = await openDatabase(join(config.dataDir, "kiosk.db"));
    this.db = db;
    migrate(db, KIOSK_MIGRATIONS);
    this.store = new KioskStore(db);
    const address = { chainId: config.chainId, storeId: config.storeId, deviceId: config.deviceId };
    this.sync = new KioskSync(
      {
        address,
        url: config.hub.url,
        username: config.hub.username,
        password: readFileSync(config.hub.passwordFile, "utf8").trim(),
        trustedKeys: config.hub.trustedKeys,
        protocolVersion: config.hub.protocolVersion,
        ...(config.hub.caFile ? { ca: readFileSync(config.hub.caFile) } : {}),
      },
      this.store,
      this.clock,
      this.baseClock,
      ns(log, "kiosk:sync"),
    );
    // A bundle whose rules fail the cross-checks is refused before it replaces the one in force.
    this.sync.onConfig((content) => {
      parseRulesConfig(content.rules);
    });
    this.sync.statusExtras = () => ({ health: this.health() });
    const onCommitted = (): void => this.sync.flush();
    // Durable, so a code accepted just before a restart is not accepted again after it.
    const replay = new SqliteReplayStore(db);
    this.checkout = new Checkout({
      store: this.store,
      config: () => this.sync.current,
      clock: this.clock,
      replay,
      printer: hardware.printer,
      indicator: hardware.indicator,
      deviceId: config.deviceId,
      log: ns(log, "kiosk:checkout"),
      onCommitted,
      authorize: (req, deadlineMs) => this.sync.authorize(req, deadlineMs),
      timers: this.timers,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    this.gate = new Gate({
      store: this.store,
      config: () => this.sync.current,
      clock: this.clock,
      replay,
      relay: hardware.indicator,
      deviceId: config.deviceId,
      log: ns(log, "kiosk:gate"),
      timers: this.timers,
      onCommitted,
    });
    this.returns = new Returns({
      store: this.store,
      config: () => this.sync.current,
      clock: this.clock,
      timers: this.timers,
      deviceId: config.deviceId,
      log: ns(log, "kiosk:returns"),
      printer: hardware.printer,
      onCommitted,
      kioskFree: () => ["idle", "done", "cancelled"].includes(this.checkout.current.name),
    });
    this.staff = new StaffAuth({ policy: () => this.sync.current?.device, clock: this.clock, log: ns(log, "kiosk:staff") });
    this.checkout.onChange((state, event) => {
      if (event.type === "paid") this.stats.checkouts++;
      // A member starting a session ends a finished return's screen.
      if ((state.name === "verifying" || state.name === "shopping") && this.returns.current.name === "done") this.returns.cancel();
      if (event.type === "verification-approved" || event.type === "verification-rejected") {
        const member = "member" in state && state.member ? `${state.member.name} (${state.member.memberId})` : "";
        this.recentDecisions.push({ requestId: event.requestId, staffId: event.staffId, decision: event.type === "verification-approved" ? "approved" : "rejected", member, at: this.clock.now() });
        if (this.recentDecisions.length > 50) this.recentDecisions.shift();
      }
      this.changed();
    });
    this.sync.onConfig(() => this.changed());
    this.gate.onChange(() => this.changed());
    this.returns.onChange(() => this.changed());
    this.sync.onMembersChanged(() => this.changed());
    await hardware.indicator.start();
    await hardware.printer.start();
    this.unsubscribeScan = hardware.scanner.onResult((r) => this.onScan(r));
    await hardware.scanner.start();
    await this.sync.start();
    log.info({ device: config.deviceId, store: config.storeId }, "kiosk started");
  }

  /** Subscribes to every scan and what the kiosk did with it (the demo and the customer page use it). */
  onScanOutcome(listener: (r: ScanResult, o: ScanOutcome) => void): () => void {
    this.scanListeners.push(listener);
    return () => {
      const i = this.scanListeners.indexOf(listener);
      if (i >= 0) this.scanListeners.splice(i, 1);
    };
  }

  private onScan(result: ScanResult): void {
    let outcome: ScanOutcome;
    try {
      outcome = this.handleScan(result);
    } catch (err) {
      this.log.error({ err: (err as Error).message, kind: result.kind }, "scan could not be handled");
      outcome = { kind: "refused", code: "INTERNAL", message: "the kiosk could not handle this scan; please call staff" };
    }
    for (const l of this.scanListeners) l(result, outcome);
  }

  private noteScan(outcome: ScanOutcome): ScanOutcome {
    this.lastScan = { outcome, at: this.clock.now() };
    this.changed();
    return outcome;
  }

  /**
   * Routes a scan: in return mode every code is taken as a receipt; a gate kiosk admits members; a
   * checkout kiosk identifies members and adds products.
   */
  handleScan(result: ScanResult): ScanOutcome {
    try {
      if (this.returns.takesScans) {
        if (result.kind === "member") return this.noteScan({ kind: "refused", code: "RETURN_IN_PROGRESS", message: "staff are doing a return on this kiosk; please wait" });
        return this.noteScan({ kind: "receipt", saleId: this.returns.loadReceipt(result.text).sale.saleId });
      }
      if (this.gate.active) {
        if (result.kind !== "member") return this.noteScan({ kind: "refused", code: "GATE_MODE", message: "this is the entrance: show your member code" });
        const r = this.gate.admit(result.text);
        return this.noteScan({ kind: "gate", admitted: r.admitted, message: r.message, ...(r.code ? { code: r.code } : {}), ...(r.memberId ? { memberId: r.memberId } : {}) });
      }
      switch (result.kind) {
        case "member": {
          const memberId = this.checkout.identify(result.text).memberId;
          return this.noteScan({ kind: "member", memberId, ...(this.checkout.current.name === "verifying" ? { verification: true as const } : {}) });
        }
        case "product":
          return this.noteScan({ kind: "product", ...this.checkout.addProduct(result.text) });
        case "unknown":
          this.log.warn({ format: result.format, length: result.text.length }, "scan: not a member code or a product barcode");
          return this.noteScan({ kind: "refused", code: "UNRECOGNISED_CODE", message: "this code is not recognised" });
      }
    } catch (err) {
      if (err instanceof CheckoutError || err instanceof ReturnError) return this.noteScan({ kind: "refused", code: err.code, message: err.message });
      throw err;
    }
  }

  /** A code that did not come from the camera (typed, or a keyboard-wedge scanner): classified and handled the same way. */
  handleText(text: string): ScanOutcome {
    const now = this.clock.now();
    const format = /^\d{8}$|^\d{12,13}$/.test(text) ? (text.length === 8 ? "EAN8" : text.length === 12 ? "UPCA" : "EAN13") : "Manual";
    return this.handleScan({ text, format, kind: classifyScan(text, format), at: now, frameAt: now, pass: "fast" });
  }

  /** Every driver's health report and the worst level among them (for /healthz and the status message). */
  health(): { level: HealthLevel; drivers: DriverHealth[] } {
    const h = this.hardware;
    return collectHealth(
      [
        { name: "scanner", reporter: h.scanner },
        { name: "printer", reporter: h.printer },
        { name: "gpio", reporter: h.indicator },
        ...h.reporters,
      ],
      this.clock,
    );
  }

  /** Stops in reverse order; the ledger is durable at every point, so a stop can come at any time. */
  async stop(): Promise<void> {
    this.checkout?.reset("stopped");
    this.gate?.stop();
    this.returns?.stop();
    await this.sync?.stop();
    this.unsubscribeScan?.();
    await this.hardware.scanner.stop();
    await this.hardware.printer.stop();
    await this.hardware.indicator.stop();
    this.db?.close();
    this.db = undefined;
    this.log.info("kiosk stopped");
  }

  /** Simulates a crash (tests): the connection drops without a goodbye and nothing is flushed. */
  async crash(): Promise<void> {
    this.checkout?.reset("stopped");
    this.gate?.stop();
    this.returns?.stop();
    await this.sync?.kill();
    this.unsubscribeScan?.();
    await this.hardware.scanner.stop();
    this.db?.close();
    this.db = undefined;
  }
}
