// Real phone photos of codes (../shared/fixtures/barcodes): the kiosk's tuned settings must meet zxing-cpp's own minimum pass counts.
import { beforeAll, expect, it } from "vitest";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { fastOptions, thoroughOptions } from "./decoder-options.js";
import { InlineDecoder } from "./inline-decoder.js";
import { Scanner } from "./scanner.js";
import { SimulatedFrameSource } from "./sources/simulated-source.js";
import { imagesToGray } from "./testing/barcode-images.js";
import { loadFixtures, matchesExpected, type FixtureSet } from "./testing/fixtures.js";
import type { ScanResult } from "./types.js";
import { WorkerDecoder } from "./worker-decoder.js";
import { requireTool } from "../../test/support/requires.js";

// Absent fixtures fail loudly here (loadFixtures throws with the path it looked in): CI must not skip them.
const fx: FixtureSet = loadFixtures();
// ffmpeg turns the photos into gray planes, as on the kiosk.
const ffmpeg = requireTool("ffmpeg");
const grays = new Map<string, { data: Uint8Array; width: number; height: number }>();

beforeAll(async () => {
  if (!ffmpeg.run) return;
  // The same conversion the webcam path uses: ffmpeg to packed 8-bit gray.
  const planes = await imagesToGray(fx.images.map((i) => i.path));
  fx.images.forEach((img, k) => {
    const g = planes[k];
    if (g) grays.set(img.path, g);
  });
}, 120_000);

/** A symbol of the photo's own barcode family with another text: a misread that would charge the wrong product. */
function isWrongRead(img: (typeof fx.images)[number], s: { format: string; text: string; isValid: boolean }): boolean {
  const family = img.zxingFormat === "UPCA" ? ["UPCA", "EAN13"] : [img.zxingFormat];
  return s.isValid && family.includes(s.format) && !matchesExpected(img, [s]);
}

const wrongReads: Record<string, string[]> = {};

async function passCounts(options: ReturnType<typeof fastOptions>, pass: string): Promise<Record<string, number>> {
  const d = new InlineDecoder();
  const per: Record<string, number> = {};
  wrongReads[pass] = [];
  for (const img of fx.images) {
    const g = grays.get(img.path);
    if (!g) throw new Error(`no gray plane for ${img.path}`);
    const { symbols } = await d.decodeWith({ kind: "gray", ...g }, options);
    if (matchesExpected(img, symbols)) per[img.folder] = (per[img.folder] ?? 0) + 1;
    for (const s of symbols) if (isWrongRead(img, s)) wrongReads[pass]!.push(`${img.folder}: ${s.format} ${s.text}`);
  }
  return per;
}

ffmpeg.describe("decoding real photographs", () => {
  it("has all 124 photos with expected texts", () => {
    expect(fx.images.length).toBe(124);
    expect(Object.keys(fx.minimums).sort()).toEqual(["code128-1", "code128-3", "ean13-3", "ean13-4", "qrcode-1", "qrcode-2", "upca-1", "upca-3"]);
  });

  it("the fast pass meets zxing-cpp's `fast` minimum in every folder, with 0 wrong reads", async () => {
    const per = await passCounts(fastOptions(), "fast");
    expect(wrongReads.fast).toEqual([]);
    for (const [folder, min] of Object.entries(fx.minimums))
      expect({ folder, passed: per[folder] ?? 0 }).toEqual({ folder, passed: expect.toSatisfy((n: number) => n >= min.fast) });
  });

  it("the thorough pass meets zxing-cpp's `tryHarder` minimum in every folder, with 0 wrong reads", async () => {
    const per = await passCounts(thoroughOptions(), "thorough");
    // A thorough-pass 1D read is only charged once a second frame confirms it (scanner.ts), but a misread here is still counted.
    expect(wrongReads.thorough).toEqual([]);
    for (const [folder, min] of Object.entries(fx.minimums))
      expect({ folder, passed: per[folder] ?? 0 }).toEqual({ folder, passed: expect.toSatisfy((n: number) => n >= min.tryHarder) });
  });

  it("the scanner's worker path decodes the photos too (qrcode-1 and ean13-3 as camera frames)", async () => {
    const logger = createMemoryLogger();
    const clock = { now: () => Date.now() };
    const source = new SimulatedFrameSource({ clock, logger });
    const scanner = new Scanner({ source, decoder: new WorkerDecoder({ logger }), logger, clock, config: { idleAfterMs: 60_000 } });
    const results: ScanResult[] = [];
    scanner.onResult((r) => results.push(r));
    await scanner.start();
    try {
      const chosen = fx.images.filter((i) => i.folder === "qrcode-1" || i.folder === "ean13-3");
      let expectedHits = 0;
      for (const img of chosen) {
        const g = grays.get(img.path);
        if (!g) throw new Error("missing gray");
        const before = results.length;
        scanner.clearDuplicates(); // several photos show the same product
        source.push(g);
        await scanner.idle();
        if (
          results.length > before &&
          matchesExpected(
            img,
            results.slice(before).map((r) => ({ ...r, isValid: true })),
          )
        )
          expectedHits++;
      }
      expect(expectedHits).toBeGreaterThanOrEqual(fx.minimums["qrcode-1"]!.fast + fx.minimums["ean13-3"]!.fast);
      // Nothing the scanner handed on was a misread of a photo's own code.
      const ean = chosen.filter((img) => img.folder === "ean13-3");
      expect(results.filter((r) => r.format === "EAN13" && !ean.some((img) => matchesExpected(img, [{ ...r, isValid: true }])))).toEqual([]);
      expect(results.filter((r) => r.format === "EAN13").every((r) => r.kind === "product")).toBe(true);
    } finally {
      await scanner.stop();
    }
  });
});
