// The printer service on the simulated transport: status polling between jobs, refused data, stopped service.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { createPrinter } from "./create-printer.js";
import { sampleReceipt } from "./testing/sample-receipt.js";
import { SimulatedPrinterTransport } from "./transports/simulated.js";

describe("ReceiptPrinter", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("polls the status between jobs so health shows paper out before a sale fails", async () => {
    const transport = new SimulatedPrinterTransport();
    const printer = createPrinter(
      { transport: "simulated", statusPollMs: 1000 },
      { logger: createMemoryLogger(), clock: { now: () => Date.now() }, transport },
    );
    await printer.start();
    expect(printer.health()).toMatchObject({ level: "ok", metrics: { paperOut: false } });
    transport.state.paperOut = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(printer.health()).toMatchObject({ level: "down", metrics: { paperOut: true, statusAgeMs: 0 } });
    transport.state.paperOut = false;
    transport.state.paperLow = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(printer.health()).toMatchObject({ level: "degraded", metrics: { paperLow: true } });
    await printer.stop();
  });

  it("refuses invalid receipts without touching the printer, and a stopped service with PRINTER_STOPPED", async () => {
    const transport = new SimulatedPrinterTransport();
    const printer = createPrinter({ transport: "simulated", statusPollMs: 0 }, { logger: createMemoryLogger(), clock: { now: () => Date.now() }, transport });
    await printer.start();
    expect(() => printer.print(sampleReceipt({ tenders: [] }))).toThrow(expect.objectContaining({ code: "RECEIPT_INVALID" }));
    expect(transport.jobs).toEqual([]);
    transport.failNext = "PRINTER_TIMEOUT";
    await expect(printer.print(sampleReceipt())).rejects.toMatchObject({ code: "PRINTER_TIMEOUT" });
    expect(printer.health()).toMatchObject({ level: "down", errorCode: "PRINTER_TIMEOUT", metrics: { jobsFailed: 1 } });
    await printer.print(sampleReceipt());
    expect(printer.health()).toMatchObject({ level: "ok", metrics: { jobsPrinted: 1 } });
    await printer.stop();
    await expect(printer.print(sampleReceipt())).rejects.toMatchObject({ code: "PRINTER_STOPPED" });
  });
});
