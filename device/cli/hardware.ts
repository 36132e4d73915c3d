// kioskctl's hardware checks: a test receipt, a scan from the camera or an image file, and a GPIO walk (LEDs, buzzer, gate, inputs).
//
// They build the same drivers the service builds from the same config, so a check that passes here
// exercises the real path. The camera and GPIO lines may be held by the running service: stop it
// first (systemctl stop member-kiosk) when a check reports them busy.
import { readFileSync } from "node:fs";
import type { KioskConfig } from "../config.js";
import { systemClock } from "../health.js";
import { createPrinter } from "../printer/create-printer.js";
import { PrinterError, type PrintOutcome, type ReceiptData } from "../printer/types.js";
import { decodeOnce, InlineDecoder } from "../scan/inline-decoder.js";
import { classifyScan } from "../scan/classify.js";
import { createFrameSource } from "../scan/create-source.js";
import { Scanner } from "../scan/scanner.js";
import type { ScanResult } from "../scan/types.js";
import { createGpio } from "../gpio/create-gpio.js";
import { CliError, EXIT, stderrLogger, type CliIo } from "./common.js";

export function testReceipt(config: KioskConfig, now: number): ReceiptData {
  return {
    storeName: "Printer test 打印测试",
    kioskId: config.deviceId,
    receiptNo: `TEST-${now}`,
    time: now,
    member: null,
    lines: [{ name: "Test line 测试商品 ¥", qty: 1, unitPriceFen: 100, memberUnitPriceFen: 100, lineTotalFen: 100, savingsFen: 0 }],
    totalFen: 100,
    points: null,
    tenders: [{ method: "test", label: "Test 测试", amountFen: 100 }],
    storedValueBalanceFen: null,
    eReceiptUrl: "https://example.invalid/printer-test",
    footer: ["If you can read this, the printer works.", "打印机工作正常"],
  };
}

export async function printTest(io: CliIo, config: KioskConfig, verbose: boolean): Promise<{ transport: string; outcome: PrintOutcome }> {
  const printer = createPrinter(config.printer, { logger: stderrLogger(io, verbose), clock: systemClock });
  try {
    await printer.start();
    const outcome = await printer.print(testReceipt(config, systemClock.now()));
    return { transport: config.printer.transport, outcome };
  } catch (err) {
    if (err instanceof PrinterError) throw new CliError(EXIT.FAILURE, err.code, `printer (${config.printer.transport}): ${err.message}`);
    throw err;
  } finally {
    await printer.stop().catch(() => undefined);
  }
}

export interface ScanTestResult {
  source: string;
  symbols: Array<{ format: string; text: string; kind: string }>;
  ms: number;
}

/** Decodes one image file with the kiosk's formats. */
export async function scanFile(config: KioskConfig, path: string): Promise<ScanTestResult> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CliError(EXIT.NOT_FOUND, "FILE_NOT_FOUND", `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const started = performance.now();
  const symbols = await decodeOnce(bytes, { formats: config.scan.scanner.formats, pass: "thorough" });
  return {
    source: path,
    symbols: symbols.map((s) => ({ format: s.format, text: s.text, kind: classifyScan(s.text, s.format) })),
    ms: Math.round(performance.now() - started),
  };
}

/** Runs the configured camera through the scanner until the first code or the timeout. */
export async function scanCamera(io: CliIo, config: KioskConfig, timeoutMs: number, verbose: boolean): Promise<ScanTestResult> {
  const logger = stderrLogger(io, verbose);
  const source = createFrameSource(config.scan.source, { clock: systemClock, logger });
  const decoder = new InlineDecoder({ formats: config.scan.scanner.formats, grayInput: config.scan.scanner.grayInput });
  const scanner = new Scanner({ source, decoder, logger, clock: systemClock, config: config.scan.scanner });
  const started = performance.now();
  let first: ScanResult | undefined;
  const got = new Promise<void>((resolve) => {
    scanner.onResult((r) => {
      first ??= r;
      resolve();
    });
  });
  try {
    await scanner.start();
  } catch (err) {
    const code = (err as { code?: string }).code ?? "SOURCE_FAILED";
    throw new CliError(
      EXIT.FAILURE,
      code,
      `camera (${config.scan.source.driver}) did not start: ${(err as Error).message} (is the service holding it? systemctl stop member-kiosk)`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([got, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } finally {
    if (timer) clearTimeout(timer);
    await scanner.stop().catch(() => undefined);
  }
  const f = first as ScanResult | undefined;
  return {
    source: `camera:${config.scan.source.driver}`,
    symbols: f ? [{ format: f.format, text: f.text, kind: f.kind }] : [],
    ms: Math.round(performance.now() - started),
  };
}

export interface GpioStep {
  step: string;
  ok: boolean;
  detail?: string;
}

/** Walks the configured GPIO roles: each LED on then off, the buzzer, the gate (only with `gate`), and reads the inputs. */
export async function gpioTest(
  io: CliIo,
  config: KioskConfig,
  opts: { gate: boolean; buttonWaitMs: number; verbose: boolean },
): Promise<{ driver: string; steps: GpioStep[] }> {
  const gpio = await createGpio(config.gpio, { logger: stderrLogger(io, opts.verbose), clock: systemClock });
  const steps: GpioStep[] = [];
  const step = async (name: string, fn: () => Promise<string | undefined> | string | undefined): Promise<void> => {
    try {
      const detail = await fn();
      steps.push({ step: name, ok: true, ...(detail ? { detail } : {}) });
    } catch (err) {
      steps.push({ step: name, ok: false, detail: `${(err as { code?: string }).code ?? "ERROR"}: ${(err as Error).message}` });
    }
  };
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  try {
    await gpio.start();
  } catch (err) {
    throw new CliError(
      EXIT.FAILURE,
      (err as { code?: string }).code ?? "GPIO_FAILED",
      `GPIO (${config.gpio.driver}) did not start: ${(err as Error).message} (is the service holding the lines? systemctl stop member-kiosk)`,
    );
  }
  try {
    const cfg = gpio.config;
    for (const [role, color] of [
      ["greenLed", "green"],
      ["redLed", "red"],
    ] as const) {
      if (!cfg[role]) continue;
      await step(`${role} on/off (line ${cfg[role].line})`, async () => {
        gpio.setLed(color, "on");
        await pause(500);
        const on = gpio.outputState(role);
        gpio.setLed(color, "off");
        await pause(100);
        return `read back ${on} then ${gpio.outputState(role)}`;
      });
    }
    if (cfg.buzzer) await step(`buzzer (line ${cfg.buzzer.line})`, async () => (await gpio.buzz("ok"), undefined));
    if (cfg.gate) {
      if (opts.gate) await step(`gate pulse (line ${cfg.gate.line})`, async () => (await gpio.pulseGate(), undefined));
      else steps.push({ step: `gate (line ${cfg.gate.line})`, ok: true, detail: "skipped: add --gate to open it" });
    }
    if (cfg.doorSensor)
      await step(`door sensor (line ${cfg.doorSensor.line})`, () => `door ${gpio.doorOpen() === null ? "unknown" : gpio.doorOpen() ? "open" : "closed"}`);
    if (cfg.staffButton && opts.buttonWaitMs > 0) {
      io.stderr(`press the staff button within ${Math.round(opts.buttonWaitMs / 1000)} s...\n`);
      await step(`staff button (line ${cfg.staffButton.line})`, async () => {
        const pressed = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => {
            off();
            resolve(false);
          }, opts.buttonWaitMs);
          const off = gpio.onButtonPress(() => {
            clearTimeout(t);
            off();
            resolve(true);
          });
        });
        if (!pressed) throw Object.assign(new Error("no press seen"), { code: "NO_PRESS" });
        return "pressed";
      });
    }
    const h = gpio.health();
    if (h.level === "down" || h.level === "degraded")
      steps.push({ step: "driver health", ok: false, detail: `${h.level}${h.errorCode ? ` ${h.errorCode}` : ""}` });
    return { driver: config.gpio.driver, steps };
  } finally {
    await gpio.stop().catch(() => undefined);
  }
}
