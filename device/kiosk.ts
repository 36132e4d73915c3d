// The kiosk service: wires storage, sync, scanner, checkout, printer and lights; starts and stops them in order.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, migrate, type Database } from "../storage/sqlite.js";
import { OffsetClock, type Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../protocol/log.js";
import { ReplayGuard } from "../protocol/member-code.js";
import { parseRulesConfig } from "../protocol/rules/config.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";
import { KioskSync } from "./sync.js";
import { Checkout, CheckoutError, type Indicator, type CheckoutPrinter } from "./checkout.js";
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
  indicator: Indicator & { start(): Promise<void>; stop(): Promise<void> } & HealthReporter;
  /** Extra health reporters (camera, GPIO...). */
  reporters: Array<{ name: string; reporter: HealthReporter }>;
}

export type ScanOutcome =
  | { kind: "member"; memberId: string }
  | { kind: "product"; sku: string; name: string; qty: number }
  | { kind: "refused"; code: string; message: string }
  | { kind: "ignored" };

export class Kiosk {
  private db: Database | undefined;
  store!: KioskStore;
  sync!: KioskSync;
  checkout!: Checkout;
  readonly clock: OffsetClock;
  /** Counters for /metrics (device/metrics.ts). */
  readonly stats = { checkouts: 0 };
  private readonly scanListeners: Array<(r: ScanResult, o: ScanOutcome) => void> = [];
  private unsubscribeScan: (() => void) | undefined;

  constructor(
    private readonly config: KioskConfig,
    private readonly hardware: KioskHardware,
    private readonly baseClock: Clock,
    private readonly log: Logger,
  ) {
    this.clock = new OffsetClock(baseClock);
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
    this.checkout = new Checkout({
      store: this.store,
      config: () => this.sync.current,
      clock: this.clock,
      replay: new ReplayGuard(),
      printer: hardware.printer,
      indicator: hardware.indicator,
      deviceId: config.deviceId,
      log: ns(log, "kiosk:checkout"),
      onCommitted: () => {
        this.stats.checkouts++;
        this.sync.flush();
      },
      authorize: (req, deadlineMs) => this.sync.authorize(req, deadlineMs),
    });
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

  handleScan(result: ScanResult): ScanOutcome {
    try {
      switch (result.kind) {
        case "member":
          return { kind: "member", memberId: this.checkout.identify(result.text).memberId };
        case "product":
          return { kind: "product", ...this.checkout.addProduct(result.text) };
        case "unknown":
          this.log.warn({ format: result.format, length: result.text.length }, "scan: not a member code or a product barcode");
          return { kind: "refused", code: "UNRECOGNISED_CODE", message: "this code is not recognised" };
      }
    } catch (err) {
      if (err instanceof CheckoutError) return { kind: "refused", code: err.code, message: err.message };
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
    await this.sync?.kill();
    this.unsubscribeScan?.();
    await this.hardware.scanner.stop();
    this.db?.close();
    this.db = undefined;
  }
}
