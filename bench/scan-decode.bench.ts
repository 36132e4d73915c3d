// Decode benchmark on the 124 fixture photos: pass counts and time per frame for zxing defaults vs the kiosk's tuned passes, gray-input modes, worker overhead, and zbarimg in the same run.
// Run: npx tsx bench/scan-decode.bench.ts   (needs ffmpeg and zbar-tools)
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { promisify } from "node:util";
import type { ReaderOptions } from "zxing-wasm/reader";
import { createSilentLogger } from "../device/health.js";
import { fastOptions, thoroughOptions } from "../device/scan/decoder-options.js";
import { InlineDecoder } from "../device/scan/inline-decoder.js";
import { imagesToGray } from "../device/scan/testing/barcode-images.js";
import { loadFixtures, matchesExpected, type FixtureImage } from "../device/scan/testing/fixtures.js";
import { parseZbarXml } from "../device/scan/testing/zbar-xml.js";
import { WorkerDecoder } from "../device/scan/worker-decoder.js";

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

type Gray = { data: Uint8Array; width: number; height: number };

function stats(ms: number[]): { mean: number; p50: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { mean: ms.reduce((a, b) => a + b, 0) / Math.max(ms.length, 1), p50: at(0.5), p95: at(0.95) };
}
const f1 = (n: number): string => n.toFixed(2);

/** Per folder: found (the expected text), wrong (a symbol of the expected family with another text: a misread), missed. */
type Score = Record<string, { found: number; wrong: number; missed: number }>;
const zxingFamily = (img: FixtureImage): string[] => (img.zxingFormat === "UPCA" ? ["UPCA", "EAN13"] : [img.zxingFormat]);
function scoreInto(score: Score, img: FixtureImage, found: boolean, wrong: boolean): void {
  const f = (score[img.folder] ??= { found: 0, wrong: 0, missed: 0 });
  if (found) f.found++;
  else f.missed++;
  if (wrong) f.wrong++;
}
function zxingScore(score: Score, img: FixtureImage, symbols: readonly { format: string; text: string; isValid: boolean }[]): void {
  const fam = zxingFamily(img);
  scoreInto(
    score,
    img,
    matchesExpected(img, symbols),
    symbols.some((x) => x.isValid && fam.includes(x.format) && !matchesExpected(img, [x])),
  );
}
function scoreLine(score: Score): string {
  const t = Object.values(score).reduce((a, b) => ({ found: a.found + b.found, wrong: a.wrong + b.wrong, missed: a.missed + b.missed }), {
    found: 0,
    wrong: 0,
    missed: 0,
  });
  const folders = Object.entries(score)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, v]) => `${f} ${v.found}/${v.wrong}/${v.missed}`)
    .join(", ");
  return `found ${t.found}, wrong ${t.wrong}, missed ${t.missed} (per folder found/wrong/missed: ${folders})`;
}

async function main(): Promise<void> {
  const fx = loadFixtures();
  console.log(
    `# scan decode bench — ${fx.images.length} photos, ${ROUNDS} timed rounds, ${cpus()[0]?.model ?? "cpu"} x${availableParallelism()}, node ${process.version}`,
  );
  const grays: Gray[] = await imagesToGray(fx.images.map((i) => i.path));
  const decoder = new InlineDecoder({ grayInput: "pixmap" });
  await decoder.start();

  const sets: [string, ReaderOptions][] = [
    ["zxing defaults (all formats, tryHarder/Rotate/Invert/Downscale, 255 symbols)", { textMode: "Plain" }],
    ["kiosk fast pass", fastOptions()],
    ["kiosk thorough pass", thoroughOptions()],
  ];

  console.log("\n## Gray planes (the camera path), pixmap input, in-process");
  console.log("| settings | decoded | wrong | per-folder vs zxing-cpp minimum (fast/tryHarder) | mean ms | p50 | p95 |");
  console.log("|---|---|---|---|---|---|---|");
  const scores: Record<string, Score> = {};
  const means: Record<string, number> = {};
  for (const [name, opts] of sets) {
    const per: Record<string, number> = {};
    const score: Score = (scores[name] = {});
    for (let k = 0; k < fx.images.length; k++) {
      const { symbols } = await decoder.decodeWith({ kind: "gray", ...(grays[k] as Gray) }, opts);
      const img = fx.images[k] as FixtureImage;
      if (matchesExpected(img, symbols)) per[img.folder] = (per[img.folder] ?? 0) + 1;
      zxingScore(score, img, symbols);
    }
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) for (const g of grays) times.push((await decoder.decodeWith({ kind: "gray", ...g }, opts)).decodeMs);
    const s = stats(times);
    means[name] = s.mean;
    const folders = Object.entries(fx.minimums)
      .map(([f, m]) => `${f} ${per[f] ?? 0}/${m.images} (min ${m.fast}/${m.tryHarder})`)
      .join(", ");
    const total = Object.values(per).reduce((a, b) => a + b, 0);
    const wrong = Object.values(score).reduce((a, b) => a + b.wrong, 0);
    console.log(`| ${name} | ${total}/${fx.images.length} | ${wrong} | ${folders} | ${f1(s.mean)} | ${f1(s.p50)} | ${f1(s.p95)} |`);
  }
  for (const [name, score] of Object.entries(scores)) console.log(`- ${name}: ${scoreLine(score)}`);
  const defaults = means[sets[0]?.[0] ?? ""] ?? 1;
  console.log(
    `\nspeed-up vs defaults: fast x${f1(defaults / (means["kiosk fast pass"] ?? 1))}, thorough x${f1(defaults / (means["kiosk thorough pass"] ?? 1))}`,
  );

  console.log("\n## Handing a gray plane to zxing-wasm (kiosk fast pass, the same photos)");
  const modeMeans: Record<string, number> = {};
  for (const mode of ["pixmap", "rgba"] as const) {
    const d = new InlineDecoder({ grayInput: mode });
    await d.start();
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const g of grays) {
        const t0 = performance.now();
        await d.decodeWith({ kind: "gray", ...g }, fastOptions());
        times.push(performance.now() - t0);
      }
    }
    modeMeans[mode] = stats(times).mean;
    console.log(
      `- ${mode}: mean ${f1(stats(times).mean)} ms/frame${mode === "rgba" ? " (expand to RGBA in JS, library reduces back to gray)" : " (plane copied into wasm memory, readBarcodesFromPixmap)"}`,
    );
  }
  console.log(`- rgba / pixmap = x${f1((modeMeans.rgba ?? 0) / (modeMeans.pixmap ?? 1))}`);

  console.log("\n## Worker thread round trip (kiosk fast pass)");
  const worker = new WorkerDecoder({ logger: createSilentLogger() });
  await worker.start();
  const rt: number[] = [];
  const inside: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const g of grays) {
      const t0 = performance.now();
      const o = await worker.decode({ kind: "gray", ...g, seq: 0, at: 0 }, "fast");
      rt.push(performance.now() - t0);
      inside.push(o.decodeMs);
    }
  }
  await worker.stop();
  console.log(
    `- round trip mean ${f1(stats(rt).mean)} ms, decode inside worker ${f1(stats(inside).mean)} ms, overhead ${f1(stats(rt).mean - stats(inside).mean)} ms/frame`,
  );

  console.log("\n## From the image files (PNG decode included), zxing vs zbarimg, same photos, same run");
  const bytes = fx.images.map((i) => new Uint8Array(readFileSync(i.path)));
  for (const b of bytes) await decoder.decodeWith({ kind: "image", bytes: b, seq: 0, at: 0 }, fastOptions()); // warm-up
  for (const [name, opts] of sets.slice(1)) {
    let ok = 0;
    const score: Score = {};
    const t0 = performance.now();
    for (let k = 0; k < bytes.length; k++) {
      const { symbols } = await decoder.decodeWith({ kind: "image", bytes: bytes[k] as Uint8Array, seq: 0, at: 0 }, opts);
      if (matchesExpected(fx.images[k] as FixtureImage, symbols)) ok++;
      zxingScore(score, fx.images[k] as FixtureImage, symbols);
    }
    const ms = (performance.now() - t0) / bytes.length;
    console.log(`- zxing-wasm ${name}: ${ok}/${bytes.length} decoded, ${f1(ms)} ms/image; ${scoreLine(score)}`);
    means[`file ${name}`] = ms;
  }
  try {
    const zbar = await zbarimg(fx.images);
    console.log(
      `- zbarimg (one process, all files): ${zbar.ok}/${fx.images.length} decoded, ${f1(zbar.msPerImage)} ms/image (process start ${f1(zbar.startMs)} ms included once)`,
    );
    console.log(`  ${scoreLine(zbar.score)}`);
    console.log(`- zxing fast is x${f1(zbar.msPerImage / (means["file kiosk fast pass"] ?? 1))} the speed of zbarimg per image`);
  } catch (err) {
    console.log(`- zbarimg unavailable (${String(err)}): apt-get install zbar-tools`);
  }
}

/** Runs zbarimg once over every photo (XML output keeps results per file) and scores it the same way. */
async function zbarimg(images: FixtureImage[]): Promise<{ ok: number; msPerImage: number; startMs: number; score: Score }> {
  const t0 = performance.now();
  await run("zbarimg", ["--version"]);
  const startMs = performance.now() - t0;
  const t1 = performance.now();
  const { stdout } = await run("zbarimg", ["-q", "--xml", ...images.map((i) => i.path)], { maxBuffer: 1 << 24 }).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? "",
  }));
  const ms = performance.now() - t1;
  // \r in CDATA and `<data format='base64' length='N'>` are handled (an earlier regex dropped both: 72/124).
  const byPath = parseZbarXml(stdout);
  // zbar 0.23 writes bytes >= 0x80 of base64 data sign-extended (e.g. "Google //+D//+D..." for UTF-8
  // katakana), so the XML's base64 is not the symbol's data; `--raw` prints the bytes right. For a file
  // with one base64 symbol its bytes are read again with --raw (outside the timing above).
  for (const img of images) {
    const syms = byPath.get(img.path) ?? [];
    if (syms.length !== 1 || !syms[0]?.base64) continue;
    const raw = await run("zbarimg", ["-q", "--raw", img.path], { encoding: "buffer" }).catch(() => undefined);
    const out = raw ? Buffer.from(raw.stdout) : undefined;
    if (out && out.length > 0) syms[0].data = out.subarray(0, out[out.length - 1] === 0x0a ? -1 : undefined);
  }
  const zbarNames: Record<string, string[]> = { QRCode: ["QR-Code"], "EAN-13": ["EAN-13"], "UPC-A": ["UPC-A", "EAN-13"], Code128: ["CODE-128"] };
  let ok = 0;
  const score: Score = {};
  for (const img of images) {
    const syms = byPath.get(img.path) ?? [];
    const names = zbarNames[img.format] ?? [];
    const same = (d: Buffer): boolean => d.equals(img.expectedBytes);
    const found = syms.some((s) => names.includes(s.type) && same(s.data));
    if (found) ok++;
    scoreInto(
      score,
      img,
      found,
      syms.some((s) => names.includes(s.type) && !same(s.data)),
    );
  }
  return { ok, msPerImage: ms / images.length, startMs, score };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
