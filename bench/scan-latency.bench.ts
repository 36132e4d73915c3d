// Frame-to-result latency through the real pipeline (ffmpeg video source -> frame cutter -> scanner -> worker decode) at 640x480 and 1280x720.
// Run: npx tsx bench/scan-latency.bench.ts   (needs ffmpeg)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../device/health.js";
import { Scanner } from "../device/scan/scanner.js";
import { VideoFrameSource } from "../device/scan/sources/video-source.js";
import { renderBarcodePng, sampleMemberCode } from "../device/scan/testing/barcode-images.js";
import { fixturesRoot } from "../device/scan/testing/fixtures.js";
import { WorkerDecoder } from "../device/scan/worker-decoder.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const FPS = 15;

function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

async function measure(video: string, width: number, height: number): Promise<string> {
  const clock = { now: () => performance.timeOrigin + performance.now() };
  const logger = createSilentLogger();
  const source = new VideoFrameSource({ path: video, width, height, framerate: FPS, realtime: true, loop: true }, { clock, logger });
  const decoder = new WorkerDecoder({ logger });
  // Every frame's result counts (no duplicate window); the idle thorough pass runs as configured by default.
  const scanner = new Scanner({ source, decoder, logger, clock, config: { duplicateWindowMs: 0 } });
  const latencies: number[] = [];
  const passes = { fast: 0, thorough: 0 };
  scanner.onResult((r) => {
    latencies.push(r.at - r.frameAt);
    passes[r.pass]++;
    scanner.clearDuplicates();
  });
  await scanner.start();
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  latencies.length = 0;
  passes.fast = passes.thorough = 0;
  const before = { ...scanner.stats };
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const h = scanner.health();
  const frames = scanner.stats.framesIn - before.framesIn;
  const decoded = scanner.stats.framesDecoded - before.framesDecoded;
  await scanner.stop();
  return `| ${width}x${height} | ${(frames / SECONDS).toFixed(1)} | ${decoded}/${frames} | ${passes.fast}/${passes.thorough} | ${pct(latencies, 0.5).toFixed(1)} | ${pct(latencies, 0.95).toFixed(1)} | ${String(h.metrics.decodeMsP50)} |`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "scan-latency-"));
  try {
    const qr = join(dir, "member.png");
    writeFileSync(qr, await renderBarcodePng(sampleMemberCode(), "QRCode", 4));
    const qrPhoto = join(fixturesRoot(), "samples/qrcode-1/1.png"); // 640x480 phone photo
    const upcPhoto = join(fixturesRoot(), "samples/upca-1/35.png"); // 640x480 phone photo
    console.log(`# frame-to-result latency — ${SECONDS} s per run at ${FPS} fps, video source (ffmpeg) -> cutter -> scanner -> worker`);
    console.log("frame-to-result = result time minus the time the frame's last byte was cut from the pipe (decode wait + decode + hand-back).");
    console.log(
      "Each scene is the image at its own pixel size, centred on a mid-gray frame of the camera size; a bigger frame = more pixels to search (a pure white border next to a photo whose code nearly touches its edge defeats every zxing setting, even the defaults).\n",
    );
    console.log("| scene | size | frames/s in | decoded/in | results fast/thorough | p50 ms | p95 ms | decode p50 ms (round trip) |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const [scene, image] of [
      ["member QR (rendered, 4 px modules)", qr],
      ["QR phone photo (qrcode-1/1)", qrPhoto],
      ["UPC-A phone photo (upca-1/35)", upcPhoto],
    ] as const) {
      for (const [w, h] of [
        [640, 480],
        [1280, 720],
      ] as const) {
        const video = join(dir, `v-${w}.mkv`);
        execFileSync("ffmpeg", [
          "-v",
          "error",
          "-y",
          "-loop",
          "1",
          "-framerate",
          String(FPS),
          "-i",
          image,
          "-t",
          "3",
          "-vf",
          `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:gray`,
          "-c:v",
          "ffv1",
          video,
        ]);
        console.log(`| ${scene} |${(await measure(video, w, h)).slice(1)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
