// Simulated printer transport: keeps jobs in memory and reports whatever paper/cover state a test sets.
import type { PrinterStatus, PrinterTransport } from "../types.js";
import { PrinterError } from "../types.js";

export class SimulatedPrinterTransport implements PrinterTransport {
  readonly kind = "simulated" as const;
  readonly jobs: Buffer[] = [];
  state: Omit<PrinterStatus, "at" | "supported"> = { online: true, paperOut: false, paperLow: false, coverOpen: false, error: false };
  /** When set, the next send fails with this code (fault injection). */
  failNext: "PRINTER_UNREACHABLE" | "PRINTER_TIMEOUT" | "PRINTER_WRITE_FAILED" | undefined;

  async send(job: Buffer): Promise<void> {
    const fail = this.failNext;
    if (fail) {
      this.failNext = undefined;
      throw new PrinterError(fail, `simulated ${fail}`);
    }
    if (this.state.paperOut) throw new PrinterError("PRINTER_PAPER_OUT", "simulated printer is out of paper");
    this.jobs.push(Buffer.from(job));
  }

  async readStatus(): Promise<Omit<PrinterStatus, "at" | "supported">> {
    return { ...this.state };
  }

  async close(): Promise<void> {}
}
