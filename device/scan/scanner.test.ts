// Scanner service: worker decoding, classification, duplicate window, newest-frame-wins, idle thorough pass.
import { describe, expect, it } from "vitest";
import type { Clock } from "../health.js";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { classifyScan } from "./classify.js";
import { DuplicateFilter } from "./dedupe.js";
import { InlineDecoder } from "./inline-decoder.js";
import { Scanner } from "./scanner.js";
import { SimulatedFrameSource } from "./sources/simulated-source.js";
import { renderBarcodePng, sampleMemberCode } from "./testing/barcode-images.js";
import type { DecodeOutcome, DecodePass, Frame, FrameDecoder, ScanResult } from "./types.js";
import { WorkerDecoder } from "./worker-decoder.js";

const clock: Clock = { now: () => Date.now() };

function waitFor<T>(get: () => T | undefined, ms = 10_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const v = get();
      if (v !== undefined) resolve(v);
      else if (Date.now() - started > ms) reject(new Error("timed out"));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("classifyScan", () => {
  it("classifies member codes by the MC1. prefix, products by format and digits", () => {
    expect(classifyScan(sampleMemberCode(), "QRCode")).toBe("member");
    expect(classifyScan("6901234567892", "EAN13")).toBe("product");
    expect(classifyScan("96385074", "EAN8")).toBe("product");
    expect(classifyScan("036000291452", "UPCA")).toBe("product");
    expect(classifyScan("SKU-12345", "Code128")).toBe("product");
    expect(classifyScan("https://example.com", "QRCode")).toBe("unknown");
    expect(classifyScan("\u001d0101234", "Code128")).toBe("unknown");
    expect(classifyScan("12345", "EAN13")).toBe("unknown");
  });
});

describe("DuplicateFilter", () => {
  it("drops a code seen again within the window of its last sighting", () => {
    const f = new DuplicateFilter(1000);
    expect(f.accept("EAN13", "1", 0)).toBe(true);
    expect(f.accept("EAN13", "1", 900)).toBe(false);
    expect(f.accept("EAN13", "1", 1800)).toBe(false); // refreshed at 900
    expect(f.accept("EAN13", "1", 2900)).toBe(true);
    expect(f.accept("QRCode", "1", 2900)).toBe(true);
  });
});

describe("Scanner with the worker-thread decoder", () => {
  it("decodes pushed member and product images, classifies them and drops duplicates", async () => {
    const logger = createMemoryLogger();
    const source = new SimulatedFrameSource({ clock, logger });
    const decoder = new WorkerDecoder({ logger });
    const scanner = new Scanner({ source, decoder, logger, clock, config: { duplicateWindowMs: 60_000 } });
    const results: ScanResult[] = [];
    scanner.onResult((r) => results.push(r));
    await scanner.start();
    try {
      const member = sampleMemberCode();
      source.push(await renderBarcodePng(member, "QRCode"));
      await waitFor(() => results[0]);
      source.push(await renderBarcodePng(member, "QRCode"));
      await scanner.idle();
      source.push(await renderBarcodePng("6901234567892", "EAN13"));
      await waitFor(() => results[1]);
      await scanner.idle();
      expect(results.map((r) => [r.kind, r.format, r.text])).toEqual([
        ["member", "QRCode", member],
        ["product", "EAN13", "6901234567892"],
      ]);
      expect(scanner.stats.duplicates).toBe(1);
      const h = scanner.health();
      expect(h.level).toBe("ok");
      expect(h.metrics.decodeMsP50).toBeTypeOf("number");
    } finally {
      await scanner.stop();
    }
  });

  it("reports DECODER_LOAD_FAILED when the worker cannot start", async () => {
    const logger = createMemoryLogger();
    const decoder = new WorkerDecoder({ logger, wasmPath: "/nonexistent/zxing_reader.wasm" });
    await expect(decoder.start()).rejects.toMatchObject({ code: "DECODER_LOAD_FAILED" });
    await decoder.stop();
  });
});

/** A decoder that blocks until released, to observe what the scanner hands it. */
class GateDecoder implements FrameDecoder {
  seen: { seq: number; pass: DecodePass }[] = [];
  private release: (() => void) | undefined;
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.release?.();
  }
  decode(frame: Frame, pass: DecodePass): Promise<DecodeOutcome> {
    this.seen.push({ seq: frame.seq, pass });
    return new Promise((resolve) => {
      this.release = () => resolve({ symbols: [], decodeMs: 1 });
    });
  }
  next(): void {
    const r = this.release;
    this.release = undefined;
    r?.();
  }
}

describe("Scanner scheduling", () => {
  it("never queues stale frames: only the newest waiting frame is decoded next", async () => {
    const logger = createMemoryLogger();
    const source = new SimulatedFrameSource({ clock, logger });
    const decoder = new GateDecoder();
    const scanner = new Scanner({ source, decoder, logger, clock, config: { idleAfterMs: 60_000 } });
    await scanner.start();
    const gray = { data: new Uint8Array(4), width: 2, height: 2 };
    for (let i = 0; i < 5; i++) source.push(gray);
    expect(decoder.seen.map((s) => s.seq)).toEqual([1]);
    decoder.next();
    await waitFor(() => (decoder.seen.length === 2 ? true : undefined));
    expect(decoder.seen.map((s) => s.seq)).toEqual([1, 5]);
    expect(scanner.stats.framesDropped).toBe(3);
    decoder.next();
    await scanner.idle();
    await scanner.stop();
  });

  it("runs the thorough pass on the newest frame once frames stay idle, at most once per interval", async () => {
    let now = 0;
    const fake: Clock = { now: () => now };
    const logger = createMemoryLogger();
    const source = new SimulatedFrameSource({ clock: fake, logger });
    const decoder = new GateDecoder();
    const scanner = new Scanner({ source, decoder, logger, clock: fake, config: { idleAfterMs: 1000, thoroughIntervalMs: 1000 } });
    await scanner.start();
    const gray = { data: new Uint8Array(4), width: 2, height: 2 };
    const step = async (t: number): Promise<void> => {
      now = t;
      source.push(gray);
      decoder.next();
      await scanner.idle();
    };
    for (const t of [100, 500, 1100, 1200, 1900, 2200, 2300]) await step(t);
    expect(decoder.seen.map((s) => s.pass)).toEqual(["fast", "fast", "thorough", "fast", "fast", "thorough", "fast"]);
    await scanner.stop();
  });

  it("holds a single doubtful 1D read until a second frame reads the same text; a fast-pass read and QR count at once", async () => {
    let now = 0;
    const fake: Clock = { now: () => now };
    const logger = createMemoryLogger();
    const source = new SimulatedFrameSource({ clock: fake, logger });
    // What the decoder "reads" per pass, set before each frame (a thorough-pass misread of a UPC-A photo, as seen on a kiosk).
    let reads: Partial<Record<DecodePass, { format: string; text: string }[]>> = {};
    const decoder: FrameDecoder = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      decode: (_f: Frame, pass: DecodePass): Promise<DecodeOutcome> =>
        Promise.resolve({
          symbols: (reads[pass] ?? []).map((r) => ({ ...r, bytes: new Uint8Array(), isValid: true, symbologyIdentifier: "" })),
          decodeMs: 1,
        } as DecodeOutcome),
    };
    // Every frame gets the thorough pass (idle at once, no interval to wait).
    const scanner = new Scanner({
      source,
      decoder,
      logger,
      clock: fake,
      config: { idleAfterMs: 0, thoroughIntervalMs: 1, duplicateWindowMs: 0, confirmWindowMs: 3000 },
    });
    const results: ScanResult[] = [];
    scanner.onResult((r) => results.push(r));
    await scanner.start();
    const gray = { data: new Uint8Array(4), width: 2, height: 2 };
    const frame = async (t: number): Promise<void> => {
      now = t;
      source.push(gray);
      await scanner.idle();
    };
    try {
      reads = { thorough: [{ format: "EAN13", text: "9074932437075" }] };
      await frame(10);
      expect(results).toEqual([]);
      expect(scanner.stats).toMatchObject({ held: 1, results: 0 });
      // Not seen again within the window: dropped, never charged.
      reads = {};
      await frame(1000);
      reads = { thorough: [{ format: "EAN13", text: "9074932437075" }] };
      await frame(5000);
      expect(results).toEqual([]);
      // The same text in the next frame confirms it.
      await frame(5100);
      expect(results.map((r) => [r.text, r.kind, r.pass])).toEqual([["9074932437075", "product", "thorough"]]);
      expect(scanner.stats.confirmed).toBe(1);
      // A different text in the second frame confirms neither.
      reads = { thorough: [{ format: "UPCA", text: "023942431015" }] };
      await frame(5200);
      reads = { thorough: [{ format: "UPCA", text: "023942431016" }] };
      await frame(5300);
      expect(results).toHaveLength(1);
      // A QR code (member code or not) counts from one thorough frame.
      reads = { thorough: [{ format: "QRCode", text: sampleMemberCode() }] };
      await frame(5400);
      expect(results.at(-1)).toMatchObject({ kind: "member", pass: "thorough" });
    } finally {
      await scanner.stop();
    }
    // A fast-pass 1D read counts at once; with confirmLinear "always" it waits too.
    for (const mode of ["thorough", "always"] as const) {
      const src = new SimulatedFrameSource({ clock: fake, logger });
      const sc = new Scanner({ source: src, decoder, logger, clock: fake, config: { idleAfterMs: 60_000, confirmLinear: mode } });
      const got: ScanResult[] = [];
      sc.onResult((r) => got.push(r));
      await sc.start();
      reads = { fast: [{ format: "EAN13", text: "6901234567892" }] };
      src.push(gray);
      await sc.idle();
      expect(got.map((r) => r.pass)).toEqual(mode === "thorough" ? ["fast"] : []);
      await sc.stop();
    }
  });

  it("loads the wasm from node_modules and never fetches it (fresh process, fetch stubbed)", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const worker = new URL("./decode-worker.mjs", import.meta.url).pathname;
    const code = `
      const fetched = [];
      globalThis.fetch = async (u) => { fetched.push(String(u)); throw new Error("no network"); };
      const w = await import(${JSON.stringify(worker)});
      await w.loadReader();
      const png = Buffer.from(${JSON.stringify(Buffer.from(await renderBarcodePng("12345678", "Code128")).toString("base64"))}, "base64");
      const out = await w.decodeImage(new Uint8Array(png), { formats: ["Code128"], textMode: "Plain" });
      console.log(JSON.stringify({ fetched, texts: out.map((s) => s.text), wasm: w.readerWasmPath() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code]);
    const out = JSON.parse(stdout) as { fetched: string[]; texts: string[]; wasm: string };
    expect(out).toMatchObject({ fetched: [], texts: ["12345678"] });
    expect(out.wasm).toMatch(/node_modules\/zxing-wasm\/dist\/reader\/zxing_reader\.wasm$/);
  });

  it("the inline decoder decodes the same images in-process", async () => {
    const d = new InlineDecoder();
    const out = await d.decode({ kind: "image", bytes: await renderBarcodePng("96385074", "EAN8"), seq: 1, at: 0 }, "fast");
    expect(out.symbols.map((s) => [s.format, s.text])).toEqual([["EAN8", "96385074"]]);
  });
});
