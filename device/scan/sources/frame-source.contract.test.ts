// Contract every frame source passes (simulated, folder, video via real ffmpeg, rpicam and v4l2 via stand-ins running real ffmpeg).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../health.js";
import { createMemoryLogger } from "../../../runtime/testing/memory-logger.js";
import { createFrameSource } from "../create-source.js";
import { Scanner } from "../scanner.js";
import { renderBarcodePng, sampleMemberCode } from "../testing/barcode-images.js";
import { fakeTool } from "../testing/fake-tools.js";
import type { Frame, FrameSource, PushableFrameSource, ScanResult } from "../types.js";
import { WorkerDecoder } from "../worker-decoder.js";
import { requireTool } from "../../../test/support/requires.js";

const clock: Clock = { now: () => Date.now() };
const member = sampleMemberCode("CONTRACT1");
let dir: string;
let png: string;
// The video, rpicam and v4l2 cases run real ffmpeg; simulated and folder do not.
const ffmpeg = requireTool("ffmpeg");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "frame-source-"));
  png = join(dir, "member.png");
  writeFileSync(png, await renderBarcodePng(member, "QRCode", 4));
  // A short lossless video of the code on a white 640x480 page, made with the real ffmpeg.
  if (ffmpeg.run)
    execFileSync("ffmpeg", [
      "-v",
      "error",
      "-y",
      "-loop",
      "1",
      "-framerate",
      "15",
      "-i",
      png,
      "-t",
      "2",
      "-vf",
      "pad=640:480:(ow-iw)/2:(oh-ih)/2:white",
      "-c:v",
      "ffv1",
      join(dir, "member.mkv"),
    ]);
  mkdirSync(join(dir, "folder"));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  make: () => FrameSource;
  /** Makes the source see the code (push, drop a file) once started. */
  feed?: (s: FrameSource) => Promise<void>;
  width?: number;
  height?: number;
  /** The case runs real ffmpeg (skipped without it, see test/support/requires.ts). */
  ffmpeg?: true;
}

const cases: Case[] = [
  {
    name: "simulated",
    make: () => createFrameSource({ driver: "simulated" }, { clock, logger: createMemoryLogger() }),
    feed: async (s) => {
      for (let i = 0; i < 5; i++) {
        (s as PushableFrameSource).push(new Uint8Array(readFileSync(png)));
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  },
  {
    name: "folder",
    make: () => createFrameSource({ driver: "folder", path: join(dir, "folder"), intervalMs: 50, loop: true }, { clock, logger: createMemoryLogger() }),
    feed: async () => copyFileSync(png, join(dir, "folder", "a.png")),
  },
  {
    name: "video",
    ffmpeg: true,
    make: () =>
      createFrameSource(
        { driver: "video", path: join(dir, "member.mkv"), width: 640, height: 480, framerate: 15, loop: true },
        { clock, logger: createMemoryLogger() },
      ),
    width: 640,
    height: 480,
  },
  {
    name: "rpicam",
    ffmpeg: true,
    // 600 px wide: rpicam pads rows to 640 bytes, so the stride cut is exercised.
    make: () =>
      createFrameSource(
        {
          driver: "rpicam",
          width: 600,
          height: 400,
          framerate: 15,
          binary: fakeTool(join(dir, "rpicam-vid"), "fake-rpicam-vid.mjs", { FAKE_CAMERA_IMAGE: png }),
        },
        { clock, logger: createMemoryLogger() },
      ),
    width: 600,
    height: 400,
  },
  {
    name: "v4l2",
    ffmpeg: true,
    make: () =>
      createFrameSource(
        {
          driver: "v4l2",
          device: "/dev/video0",
          width: 640,
          height: 480,
          framerate: 15,
          inputFormat: "mjpeg",
          ffmpeg: fakeTool(join(dir, "ffmpeg-v4l2"), "fake-ffmpeg-v4l2.mjs", { FAKE_CAMERA_IMAGE: png }),
        },
        { clock, logger: createMemoryLogger() },
      ),
    width: 640,
    height: 480,
  },
];

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const c of cases)
  (c.ffmpeg ? ffmpeg.describe : describe)(`frame source contract: ${c.name}`, () => {
    it("delivers frames that the scanner decodes to the member code", async () => {
      const logger = createMemoryLogger();
      const source = c.make();
      const frames: Frame[] = [];
      source.onFrame((f) => frames.push(f));
      const scanner = new Scanner({ source, decoder: new WorkerDecoder({ logger }), logger, clock });
      const got = new Promise<ScanResult>((resolve) => scanner.onResult(resolve));
      await scanner.start();
      try {
        await c.feed?.(source);
        const r = await Promise.race([got, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no result from ${c.name}`)), 15_000))]);
        expect(r).toMatchObject({ text: member, kind: "member", format: "QRCode" });
        expect(r.at).toBeGreaterThanOrEqual(r.frameAt);
        const f = frames[frames.length - 1];
        if (c.width && f?.kind === "gray") {
          expect([f.width, f.height, f.data.byteLength]).toEqual([c.width, c.height, (c.width ?? 0) * (c.height ?? 0)]);
        }
        // Sequence numbers increase by one per frame.
        expect(frames.every((fr, i) => fr.seq === i + 1)).toBe(true);
        const h = source.health();
        expect(h.component).toBe("camera");
        expect(h.driver).toBe(c.name);
        expect(h.level).toBe("ok");
        expect(h.metrics.lastFrameAgeMs).toBeTypeOf("number");
        expect(h.metrics.fps).toBeGreaterThan(0);
      } finally {
        await scanner.stop();
      }
    }, 30_000);

    it("stops delivering frames and ends its process on stop()", async () => {
      const source = c.make();
      let count = 0;
      source.onFrame(() => count++);
      await source.start();
      await c.feed?.(source);
      const started = Date.now();
      while (count === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(count).toBeGreaterThan(0);
      const pid = (source as { pid?: number }).pid;
      await source.stop();
      const after = count;
      await new Promise((r) => setTimeout(r, 300));
      expect(count).toBe(after);
      expect(isAlive(pid)).toBe(false);
      expect(source.health().level).toBe("down");
    }, 30_000);
  });
