// The printer service: renders receipts, checks paper/cover status, sends one job at a time, reports health.
import type { Clock, DriverHealth, Logger } from "../health.js";
import { renderReceipt } from "./receipt.js";
import type { PrintOutcome, PrinterConfig, PrinterStatus, PrinterTransport, ReceiptData, ReceiptPrinterApi } from "./types.js";
import { PrinterError } from "./types.js";

export interface ReceiptPrinterDeps {
  transport: PrinterTransport;
  config: PrinterConfig;
  logger: Logger;
  clock: Clock;
}

export class ReceiptPrinter implements ReceiptPrinterApi {
  private readonly log: Logger;
  private running = false;
  private queue: Promise<unknown> = Promise.resolve();
  private lastStatus: PrinterStatus | undefined;
  private lastErrorCode: string | undefined;
  private lastErrorMessage: string | undefined;
  private lastJobAt: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  jobsPrinted = 0;
  jobsFailed = 0;

  constructor(private readonly deps: ReceiptPrinterDeps) {
    this.log = deps.logger.child({ ns: "kiosk:printer", transport: deps.transport.kind });
  }

  async start(): Promise<void> {
    this.running = true;
    const st = await this.status();
    this.log.info({ status: st }, "printer ready");
    const every = this.deps.config.statusPollMs;
    if (every > 0) {
      // Through the job queue, so a poll never interleaves with a job on the same device.
      this.poll = setInterval(() => {
        this.queue = this.queue.then(() => (this.running ? this.status() : undefined)).catch(() => undefined);
      }, every);
      this.poll.unref();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    await this.queue.catch(() => undefined);
    await this.deps.transport.close();
  }

  print(data: ReceiptData): Promise<PrintOutcome> {
    // Render first: invalid data is refused before anything reaches the printer.
    const job = renderReceipt(data, this.deps.config.layout);
    return this.printRaw(job, { receiptNo: data.receiptNo });
  }

  printRaw(job: Buffer, meta: { receiptNo?: string } = {}): Promise<PrintOutcome> {
    const run = this.queue.then(() => this.runJob(job, meta));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads paper/cover state now; never throws (an unreadable state is `supported: false`). */
  async status(): Promise<PrinterStatus> {
    const at = this.deps.clock.now();
    let st: PrinterStatus;
    try {
      const read = await this.deps.transport.readStatus();
      st = read ? { ...read, supported: true, at } : { supported: false, online: null, paperOut: null, paperLow: null, coverOpen: null, error: null, at };
    } catch (err) {
      this.log.warn({ code: err instanceof PrinterError ? err.code : "STATUS_INVALID", err: String(err) }, "printer status unreadable");
      st = { supported: false, online: null, paperOut: null, paperLow: null, coverOpen: null, error: null, at };
    }
    this.lastStatus = st;
    return st;
  }

  health(): DriverHealth {
    const s = this.lastStatus;
    const blocked = s?.paperOut === true || s?.coverOpen === true || s?.online === false;
    const failing = this.lastErrorCode !== undefined;
    return {
      component: "printer",
      driver: this.deps.transport.kind,
      level: !this.running ? "down" : blocked || (failing && this.lastErrorCode !== "RECEIPT_INVALID") ? "down" : s?.paperLow ? "degraded" : "ok",
      ...(this.lastErrorCode ? { errorCode: this.lastErrorCode } : {}),
      ...(this.lastErrorMessage ? { message: this.lastErrorMessage } : {}),
      at: this.deps.clock.now(),
      metrics: {
        statusSupported: s?.supported ?? false,
        online: s?.online ?? null,
        paperOut: s?.paperOut ?? null,
        paperLow: s?.paperLow ?? null,
        coverOpen: s?.coverOpen ?? null,
        statusAgeMs: s ? this.deps.clock.now() - s.at : null,
        jobsPrinted: this.jobsPrinted,
        jobsFailed: this.jobsFailed,
        lastJobAgeMs: this.lastJobAt === undefined ? null : this.deps.clock.now() - this.lastJobAt,
      },
    };
  }

  private async runJob(job: Buffer, meta: { receiptNo?: string }): Promise<PrintOutcome> {
    if (!this.running) throw new PrinterError("PRINTER_STOPPED", "printer service is stopped");
    try {
      let status: PrinterStatus | undefined;
      if (this.deps.config.checkStatusBeforePrint) {
        status = await this.status();
        if (status.paperOut) throw new PrinterError("PRINTER_PAPER_OUT", "printer is out of paper");
        if (status.coverOpen) throw new PrinterError("PRINTER_COVER_OPEN", "printer cover is open");
        if (status.online === false) throw new PrinterError("PRINTER_OFFLINE", "printer is offline");
      }
      const sent = await this.deps.transport.send(job, meta);
      this.jobsPrinted++;
      this.lastJobAt = this.deps.clock.now();
      this.lastErrorCode = undefined;
      this.lastErrorMessage = undefined;
      this.log.info({ receiptNo: meta.receiptNo, bytes: job.length }, "receipt printed");
      return { bytes: job.length, attempts: sent?.attempts ?? 1, status };
    } catch (err) {
      this.jobsFailed++;
      const code = err instanceof PrinterError ? err.code : "PRINTER_WRITE_FAILED";
      this.lastErrorCode = code;
      this.lastErrorMessage = err instanceof Error ? err.message : String(err);
      this.log.error({ code, receiptNo: meta.receiptNo, err: this.lastErrorMessage }, "print failed");
      throw err instanceof PrinterError ? err : new PrinterError(code, this.lastErrorMessage, { cause: err });
    }
  }
}
