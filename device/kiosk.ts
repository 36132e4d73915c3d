// The kiosk service: starts and stops the parts buildKiosk() gives it (device/compose.ts) and routes scans to them.
import type { Database } from "../storage/database.js";
import type { OffsetClock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { KioskStore } from "./store.js";
import type { KioskSync } from "./sync.js";
import { CheckoutError, type Checkout, type Indicator, type CheckoutPrinter } from "./session/index.js";
import type { Gate, GateRelay } from "./gate.js";
import { ReturnError, type Returns } from "./returns.js";
import type { StaffAuth } from "./staff-auth.js";
import type { KioskConfig } from "./config.js";
import type { Scanner } from "./scan/scanner.js";
import type { FrameSource, ScanResult } from "./scan/types.js";
import type { DriverHealth, HealthLevel, HealthReporter } from "./health.js";
import type { KioskHealth } from "./kiosk-health.js";
import { classifyScan } from "./scan/classify.js";
import { STORAGE_REFUSAL_MESSAGE, type StorageGuard } from "./storage-guard.js";
import type { ClockStatus } from "./clock-sync/index.js";
import type { KioskCommands } from "./commands.js";

/** The hardware the kiosk drives, built from the config by device/hardware.ts (real or simulated drivers). */
export interface KioskHardware {
  source: FrameSource;
  scanner: Scanner;
  /** printRaw: the driver's raw ESC/POS path (a remote printer test uses it), when it has one. */
  printer: CheckoutPrinter & {
    start(): Promise<void>;
    stop(): Promise<void>;
    printRaw?(job: Buffer, meta?: { receiptNo?: string }): Promise<unknown>;
  } & HealthReporter;
  /** hasGate: whether a gate relay line is configured (a remote "open gate" needs one; absent: assumed). */
  indicator: Indicator & Pick<GateRelay, "openGate"> & { start(): Promise<void>; stop(): Promise<void>; hasGate?(): boolean } & HealthReporter;
  /** Extra health reporters (camera...). */
  reporters: ReadonlyArray<{ name: string; reporter: HealthReporter }>;
}

export type ScanOutcome =
  | { kind: "member"; memberId: string; verification?: true }
  | { kind: "product"; sku: string; name: string; qty: number }
  | { kind: "gate"; admitted: boolean; code?: string; message: string; memberId?: string }
  | { kind: "receipt"; saleId: string }
  | { kind: "refused"; code: string; message: string; reason?: string }
  | { kind: "ignored" };

/** The kiosk's parts, built by buildKiosk() (device/compose.ts); the Kiosk only starts and stops them. */
export interface KioskParts {
  config: KioskConfig;
  hardware: KioskHardware;
  /** The hub-corrected clock every part shares. */
  clock: OffsetClock;
  log: Logger;
  db: Database;
  store: KioskStore;
  sync: KioskSync;
  checkout: Checkout;
  gate: Gate;
  returns: Returns;
  staff: StaffAuth;
  storage: StorageGuard;
  clockStatus: ClockStatus;
  health: KioskHealth;
  /** Remote commands from the hub (device/commands.ts). */
  commands?: KioskCommands;
  /** Fired by the parts built before the kiosk (storage, clock) when their state changes. */
  changes: ChangeFeed;
}

/** Listeners for "something the pages show changed"; parts built before the Kiosk fire it. */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();
  constructor(private readonly log: Logger) {}

  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, "change listener failed");
      }
    }
  }
}

export class Kiosk {
  private db: Database | undefined;
  readonly store: KioskStore;
  readonly sync: KioskSync;
  readonly checkout: Checkout;
  readonly gate: Gate;
  readonly returns: Returns;
  readonly staff: StaffAuth;
  /** Whether the ledger can be written; refuses new sales while it cannot (full disk). */
  readonly storage: StorageGuard;
  /** Whether the verification clock is trusted (NTP, or the hub's offset). */
  readonly clockStatus: ClockStatus;
  readonly clock: OffsetClock;
  /** Remote commands from the hub: their counters (tests, metrics). */
  readonly commands: KioskCommands | undefined;
  /** The last scan and what the kiosk did with it (the customer display shows refusals). */
  lastScan: { outcome: ScanOutcome; at: number } | undefined;
  /** The staff decisions this kiosk recorded since it started (the staff page lists the latest). */
  readonly recentDecisions: Array<{ requestId: string; staffId: string; decision: string; member: string; at: number }> = [];
  private readonly changes: ChangeFeed;
  private readonly config: KioskConfig;
  private readonly hardware: KioskHardware;
  private readonly log: Logger;
  private readonly healthReport: KioskHealth;
  /** Counters for /metrics (device/metrics.ts). */
  readonly stats = { checkouts: 0 };
  private readonly scanListeners: Array<(r: ScanResult, o: ScanOutcome) => void> = [];
  private unsubscribeScan: (() => void) | undefined;

  constructor(parts: KioskParts) {
    this.config = parts.config;
    this.hardware = parts.hardware;
    this.clock = parts.clock;
    this.log = parts.log;
    this.db = parts.db;
    this.store = parts.store;
    this.sync = parts.sync;
    this.checkout = parts.checkout;
    this.gate = parts.gate;
    this.returns = parts.returns;
    this.staff = parts.staff;
    this.storage = parts.storage;
    this.clockStatus = parts.clockStatus;
    this.healthReport = parts.health;
    this.commands = parts.commands;
    this.changes = parts.changes;
    this.checkout.onChange((state, event) => {
      if (event.type === "paid") this.stats.checkouts++;
      // A member starting a session ends a finished return's screen.
      if ((state.name === "verifying" || state.name === "shopping") && this.returns.current.name === "done") this.returns.cancel();
      if (event.type === "verification-approved" || event.type === "verification-rejected") {
        const member = "member" in state && state.member ? `${state.member.name} (${state.member.memberId})` : "";
        this.recentDecisions.push({
          requestId: event.requestId,
          staffId: event.staffId,
          decision: event.type === "verification-approved" ? "approved" : "rejected",
          member,
          at: this.clock.now(),
        });
        if (this.recentDecisions.length > 50) this.recentDecisions.shift();
      }
      this.changed();
    });
    this.sync.onConfig(() => this.changed());
    this.sync.onCatalogChanged(() => this.changed());
    this.gate.onChange(() => this.changed());
    this.returns.onChange(() => this.changed());
    this.sync.onMembersChanged(() => this.changed());
  }

  get deviceId(): string {
    return this.config.deviceId;
  }

  /** The open ledger database (tools and fault tests: PRAGMA max_page_count stands in for a full disk). */
  get database(): Database | undefined {
    return this.db;
  }

  /** Anything the pages show changed (session, gate, returns, members, config, a scan): for live updates. */
  onChange(listener: () => void): () => void {
    return this.changes.on(listener);
  }

  private changed(): void {
    this.changes.emit();
  }

  /** The last "call staff" press on the customer display (shown on the staff pages until answered). */
  staffCall: { at: number; answeredAt?: number } | undefined;

  /** The customer asked for help: the staff pages ring, and the GPIO buzzer and red LED where configured. */
  callStaff(): { at: number } {
    const at = this.clock.now();
    this.staffCall = { at };
    this.hardware.indicator.failure();
    this.log.info({ at }, "customer called staff");
    this.changed();
    return { at };
  }

  /** A staff member answered the call. */
  answerStaffCall(): void {
    if (this.staffCall && this.staffCall.answeredAt === undefined) this.staffCall.answeredAt = this.clock.now();
    this.changed();
  }

  /** Starts what it was given, in order: GPIO and printer (optional: they fail soft), scanner, clock, sync. */
  async start(): Promise<void> {
    const { config, log, hardware } = this;
    // Optional hardware fails soft: a missing GPIO chip or printer shows as down in health, and the kiosk sells on.
    await this.healthReport.startOptional("gpio", hardware.indicator);
    await this.healthReport.startOptional("printer", hardware.printer);
    this.unsubscribeScan = hardware.scanner.onResult((r) => this.onScan(r));
    await hardware.scanner.start();
    await this.clockStatus.start();
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
        if (result.kind === "member")
          return this.noteScan({ kind: "refused", code: "RETURN_IN_PROGRESS", message: "staff are doing a return on this kiosk; please wait" });
        return this.noteScan({ kind: "receipt", saleId: this.returns.loadReceipt(result.text).sale.saleId });
      }
      if (this.gate.active) {
        if (result.kind !== "member") return this.noteScan({ kind: "refused", code: "GATE_MODE", message: "this is the entrance: show your member code" });
        if (!this.storage.check()) return this.noteScan(this.storageRefusal());
        const r = this.gate.admit(result.text);
        return this.noteScan({
          kind: "gate",
          admitted: r.admitted,
          message: r.message,
          ...(r.code ? { code: r.code } : {}),
          ...(r.memberId ? { memberId: r.memberId } : {}),
        });
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
      if (err instanceof CheckoutError)
        return this.noteScan({ kind: "refused", code: err.code, message: err.message, ...(err.reason ? { reason: err.reason } : {}) });
      if (err instanceof ReturnError) return this.noteScan({ kind: "refused", code: err.code, message: err.message });
      // A write that failed outside the checkout's own mapping (gate entry): refused with the same words.
      if (this.storage.failed(err, "scan")) return this.noteScan(this.storageRefusal());
      throw err;
    }
  }

  private storageRefusal(): ScanOutcome {
    const reason = this.storage.state.code;
    return { kind: "refused", code: "STORAGE_UNAVAILABLE", message: STORAGE_REFUSAL_MESSAGE, ...(reason ? { reason } : {}) };
  }

  /** A code that did not come from the camera (typed, or a keyboard-wedge scanner): classified and handled the same way. */
  handleText(text: string): ScanOutcome {
    const now = this.clock.now();
    const format = /^\d{8}$|^\d{12,13}$/.test(text) ? (text.length === 8 ? "EAN8" : text.length === 12 ? "UPCA" : "EAN13") : "Manual";
    return this.handleScan({ text, format, kind: classifyScan(text, format), at: now, frameAt: now, pass: "fast" });
  }

  /** Every driver's health report and the worst level among them (for /healthz and the status message). */
  health(): { level: HealthLevel; drivers: DriverHealth[] } {
    return this.healthReport.report();
  }

  /**
   * Stops in reverse start order; each step is guarded, so one that fails is logged and the rest
   * still run. The ledger is durable at every point, so a stop can come at any time.
   */
  async stop(): Promise<void> {
    const h = this.hardware;
    await this.stopSteps([
      ["checkout", () => this.checkout.reset("stopped")],
      ["gate", () => this.gate.stop()],
      ["returns", () => this.returns.stop()],
      ["sync", () => this.sync.stop()],
      ["clock", () => this.clockStatus.stop()],
      [
        "scanner",
        async () => {
          this.unsubscribeScan?.();
          await h.scanner.stop();
        },
      ],
      ["printer", () => h.printer.stop()],
      ["gpio", () => h.indicator.stop()],
      ["storage", () => this.storage.stop()],
      ["ledger", () => this.closeDatabase()],
    ]);
    this.log.info("kiosk stopped");
  }

  private async stopSteps(steps: ReadonlyArray<readonly [string, () => unknown]>): Promise<void> {
    for (const [step, run] of steps) {
      try {
        await run();
      } catch (err) {
        this.log.error({ step, err: err instanceof Error ? err.message : String(err) }, "kiosk stop: a step failed; stopping the rest");
      }
    }
  }

  private closeDatabase(): void {
    const db = this.db;
    this.db = undefined;
    db?.close();
  }

  /** Simulates a crash (tests): the connection drops without a goodbye and nothing is flushed. */
  async crash(): Promise<void> {
    this.storage.stop();
    this.clockStatus.stop();
    this.checkout.reset("stopped");
    this.gate.stop();
    this.returns.stop();
    await this.sync.kill();
    this.unsubscribeScan?.();
    await this.hardware.scanner.stop();
    this.db?.close();
    this.db = undefined;
  }
}
