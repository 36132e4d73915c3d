// Contract every printer transport passes: simulated, file sink, TCP 9100 (real listener) and usblp (a pty pair standing in for /dev/usb/lp0).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../health.js";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { createPrinter } from "./create-printer.js";
import type { ReceiptPrinter } from "./receipt-printer.js";
import { renderReceipt } from "./receipt.js";
import { decodeEscPos } from "./testing/decode-escpos.js";
import { FakeTcpPrinter, FakeUsbPrinter, statusCoverOpen, statusOk, statusPaperOut, type FakeStatus } from "./testing/fake-printers.js";
import { sampleReceipt } from "./testing/sample-receipt.js";
import { requireTool } from "../../test/support/requires.js";
import { SimulatedPrinterTransport } from "./transports/simulated.js";
import type { PrinterConfigInput } from "./types.js";

const clock: Clock = { now: () => Date.now() };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "printer-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Env {
  printer: ReceiptPrinter;
  /** All bytes the printer received so far (waits for `minBytes`). */
  received(minBytes: number): Promise<Buffer>;
  /** Sets what the printer reports; absent when the transport cannot report status. */
  setStatus?: (s: FakeStatus) => void;
  close(): Promise<void>;
}

interface Case {
  name: string;
  setup(): Promise<Env>;
}

const cases: Case[] = [
  {
    name: "simulated",
    async setup() {
      const transport = new SimulatedPrinterTransport();
      const printer = createPrinter({ transport: "simulated" }, { logger: createMemoryLogger(), clock, transport });
      return {
        printer,
        received: async () => Buffer.concat(transport.jobs),
        setStatus: (s) => {
          transport.state = {
            online: (s.printer & 0x08) === 0,
            paperOut: (s.paper & 0x60) !== 0,
            paperLow: false,
            coverOpen: (s.offline & 0x04) !== 0,
            error: false,
          };
        },
        close: async () => undefined,
      };
    },
  },
  {
    name: "file",
    async setup() {
      const path = join(dir, `jobs-${Date.now()}.bin`);
      const printer = createPrinter({ transport: "file", path }, { logger: createMemoryLogger(), clock });
      return { printer, received: async () => readFileSync(path), close: async () => undefined };
    },
  },
  {
    name: "tcp",
    async setup() {
      const fake = new FakeTcpPrinter();
      await fake.start();
      const config: PrinterConfigInput = { transport: "tcp", host: "127.0.0.1", port: fake.port, statusTimeoutMs: 300 };
      const printer = createPrinter(config, { logger: createMemoryLogger(), clock });
      return {
        printer,
        received: async (min) => {
          const started = Date.now();
          while (Buffer.concat(fake.jobs).length < min && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
          return Buffer.concat(fake.jobs);
        },
        setStatus: (s) => {
          fake.status = s;
        },
        close: () => fake.stop(),
      };
    },
  },
  {
    name: "usblp",
    async setup() {
      const fake = new FakeUsbPrinter(mkdtempSync(join(dir, "usb-")));
      await fake.start();
      const printer = createPrinter({ transport: "usblp", device: fake.device, statusTimeoutMs: 300 }, { logger: createMemoryLogger(), clock });
      return {
        printer,
        received: async (min) => {
          await fake.waitForBytes(min);
          return fake.data();
        },
        setStatus: (s) => {
          fake.status = s;
        },
        close: () => fake.stop(),
      };
    },
  },
];

// The usblp case needs socat for its pty pair (see test/support/requires.ts).
const socat = requireTool("socat");
for (const c of cases)
  (c.name === "usblp" ? socat.describe : describe)(`printer contract: ${c.name}`, () => {
    let env: Env;
    afterEach(async () => {
      await env.printer.stop();
      await env.close();
    });

    it("delivers the exact rendered job, which an independent parser decodes", async () => {
      env = await c.setup();
      await env.printer.start();
      const data = sampleReceipt();
      const outcome = await env.printer.print(data);
      const expected = renderReceipt(data);
      expect(outcome.bytes).toBe(expected.length);
      const got = await env.received(expected.length);
      expect(got.equals(expected)).toBe(true);
      const d = decodeEscPos(got);
      expect(d.commands[0]).toBe("ESC @");
      expect(d.lines.join("\n")).toContain("有机牛奶 1L");
      expect(d.barcodes).toMatchObject([{ type: 73, data: data.receiptNo }]);
      expect(d.qrCodes).toEqual([data.eReceiptUrl]);
      expect(env.printer.health()).toMatchObject({ component: "printer", driver: c.name, level: "ok", metrics: { jobsPrinted: 1 } });
    });

    it("keeps concurrent jobs whole and in order", async () => {
      env = await c.setup();
      await env.printer.start();
      const a = sampleReceipt({ receiptNo: "R-A" });
      const b = sampleReceipt({ receiptNo: "R-B" });
      await Promise.all([env.printer.print(a), env.printer.print(b)]);
      const expected = Buffer.concat([renderReceipt(a), renderReceipt(b)]);
      const got = await env.received(expected.length);
      expect(got.equals(expected)).toBe(true);
    });

    it("reports paper out and cover open where the printer can tell, and refuses to print into them", async () => {
      env = await c.setup();
      await env.printer.start();
      const set = env.setStatus;
      if (!set) {
        // The file sink cannot report status: it says so, and printing goes on.
        expect(await env.printer.status()).toMatchObject({ supported: false, paperOut: null });
        await env.printer.print(sampleReceipt());
        return;
      }
      expect(await env.printer.status()).toMatchObject({ supported: true, online: true, paperOut: false, coverOpen: false });
      set(statusPaperOut);
      expect(await env.printer.status()).toMatchObject({ supported: true, paperOut: true });
      await expect(env.printer.print(sampleReceipt())).rejects.toMatchObject({ code: "PRINTER_PAPER_OUT" });
      expect(env.printer.health()).toMatchObject({ level: "down", errorCode: "PRINTER_PAPER_OUT", metrics: { paperOut: true } });
      set(statusCoverOpen);
      await expect(env.printer.print(sampleReceipt())).rejects.toMatchObject({ code: "PRINTER_COVER_OPEN" });
      set(statusOk);
      await env.printer.print(sampleReceipt());
      expect(env.printer.health()).toMatchObject({ level: "ok", metrics: { paperOut: false, coverOpen: false } });
    });
  });

describe("TCP 9100 transport faults", () => {
  it("retries a refused connection, then fails with PRINTER_UNREACHABLE", async () => {
    const fake = new FakeTcpPrinter();
    await fake.start();
    const port = fake.port;
    await fake.stop(); // nothing listens there now
    const logger = createMemoryLogger();
    const printer = createPrinter(
      { transport: "tcp", host: "127.0.0.1", port, retries: 2, retryDelayMs: 10, checkStatusBeforePrint: false },
      { logger, clock },
    );
    await printer.start();
    await expect(printer.print(sampleReceipt())).rejects.toMatchObject({ code: "PRINTER_UNREACHABLE" });
    expect(logger.lines.filter((l) => l.msg === "printer unreachable; retrying").length).toBe(2);
    expect(printer.health()).toMatchObject({ level: "down", errorCode: "PRINTER_UNREACHABLE" });
    await printer.stop();
  });

  it("treats a printer that does not answer DLE EOT as status unsupported, and still prints", async () => {
    const fake = new FakeTcpPrinter();
    fake.status = undefined;
    await fake.start();
    const printer = createPrinter({ transport: "tcp", host: "127.0.0.1", port: fake.port, statusTimeoutMs: 100 }, { logger: createMemoryLogger(), clock });
    await printer.start();
    expect(await printer.status()).toMatchObject({ supported: false });
    const out = await printer.print(sampleReceipt());
    expect(out.attempts).toBe(1);
    await fake.waitForJobs(1);
    await printer.stop();
    await fake.stop();
  });

  it("uses one connection per job", async () => {
    const fake = new FakeTcpPrinter();
    await fake.start();
    const printer = createPrinter(
      { transport: "tcp", host: "127.0.0.1", port: fake.port, checkStatusBeforePrint: false },
      { logger: createMemoryLogger(), clock },
    );
    await printer.start();
    const before = fake.connections;
    await printer.print(sampleReceipt());
    await printer.print(sampleReceipt());
    await fake.waitForJobs(2);
    expect(fake.connections - before).toBe(2);
    await printer.stop();
    await fake.stop();
  });
});

describe("usblp transport faults", () => {
  it("names a missing device with DEVICE_NOT_FOUND", async () => {
    const printer = createPrinter({ transport: "usblp", device: join(dir, "no-lp0"), checkStatusBeforePrint: false }, { logger: createMemoryLogger(), clock });
    await printer.start();
    await expect(printer.print(sampleReceipt())).rejects.toMatchObject({ code: "DEVICE_NOT_FOUND" });
    await printer.stop();
  });
});
