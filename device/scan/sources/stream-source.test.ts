// Supervision of camera processes: missing binary, restart with backoff after exit or kill, stderr logged, argument lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../health.js";
import { createMemoryLogger } from "../../../runtime/testing/memory-logger.js";
import { renderBarcodePng } from "../testing/barcode-images.js";
import { fakeTool } from "../testing/fake-tools.js";
import { RpicamFrameSource } from "./rpicam-source.js";
import { V4l2FrameSource } from "./v4l2-source.js";
import { VideoFrameSource } from "./video-source.js";
import { requireTool } from "../../../test/support/requires.js";

// The stand-in camera tools and the video source run real ffmpeg.
const ffmpeg = requireTool("ffmpeg");

const clock: Clock = { now: () => Date.now() };
let dir: string;
let png: string;
const fastBackoff = { initialMs: 50, maxMs: 400, factor: 2, resetAfterMs: 60_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stream-source-"));
  png = join(dir, "code.png");
  writeFileSync(png, await renderBarcodePng("6901234567892", "EAN13", 3));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("supervised camera processes", () => {
  it("names a missing binary with BINARY_MISSING, reports down, and keeps retrying with backoff", async () => {
    const logger = createMemoryLogger();
    const src = new RpicamFrameSource({ binary: join(dir, "no-such-rpicam-vid"), restart: fastBackoff }, { clock, logger });
    await src.start();
    await until(() => src.restarts >= 2);
    const h = src.health();
    expect(h).toMatchObject({ level: "down", errorCode: "BINARY_MISSING" });
    expect(h.message).toContain("no-such-rpicam-vid not found");
    expect(logger.lines.some((l) => l.level === "error" && (l.obj as { code?: string } | undefined)?.code === "BINARY_MISSING")).toBe(true);
    await src.stop();
  });

  ffmpeg.it(
    "restarts a process that exits, with growing delays, and frames keep coming",
    async () => {
      const logger = createMemoryLogger();
      const bin = fakeTool(join(dir, "rpicam-exits"), "fake-rpicam-vid.mjs", {
        FAKE_CAMERA_IMAGE: png,
        FAKE_CAMERA_FRAMES: "2",
        FAKE_CAMERA_STDERR: "ERROR: *** no cameras available ***",
      });
      const src = new RpicamFrameSource({ binary: bin, width: 320, height: 240, restart: fastBackoff }, { clock, logger });
      let frames = 0;
      src.onFrame(() => frames++);
      await src.start();
      await until(() => src.restarts >= 3 && frames >= 6, 20_000);
      await src.stop();
      const delays = logger.lines.filter((l) => l.msg === "camera process exited; restarting").map((l) => (l.obj as { restartInMs: number }).restartInMs);
      expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
      // The process's stderr is logged.
      expect(logger.lines.some((l) => (l.obj as { stderr?: string } | undefined)?.stderr === "ERROR: *** no cameras available ***")).toBe(true);
    },
    30_000,
  );

  ffmpeg.it(
    "restarts after the process is killed, and passes rpicam-vid the documented arguments",
    async () => {
      const logger = createMemoryLogger();
      const argsLog = join(dir, "rpicam-args.log");
      const bin = fakeTool(join(dir, "rpicam-kill"), "fake-rpicam-vid.mjs", { FAKE_CAMERA_IMAGE: png, FAKE_CAMERA_ARGS_LOG: argsLog });
      const src = new RpicamFrameSource({ binary: bin, width: 640, height: 480, framerate: 15, restart: fastBackoff }, { clock, logger });
      let frames = 0;
      src.onFrame(() => frames++);
      await src.start();
      await until(() => frames > 0);
      const pid = src.pid;
      expect(pid).toBeTypeOf("number");
      process.kill(pid ?? 0, "SIGKILL");
      const before = frames;
      await until(() => src.restarts >= 1 && frames > before + 2);
      expect(src.pid).not.toBe(pid);
      await src.stop();
      const first = JSON.parse(readFileSync(argsLog, "utf8").split("\n")[0] ?? "[]") as string[];
      expect(first).toEqual([
        "-t",
        "0",
        "-n",
        "--camera",
        "0",
        "--codec",
        "yuv420",
        "--width",
        "640",
        "--height",
        "480",
        "--framerate",
        "15",
        "--flush",
        "-o",
        "-",
      ]);
    },
    30_000,
  );

  ffmpeg.it(
    "plays a video file once and ends cleanly without restarting",
    async () => {
      const { execFileSync } = await import("node:child_process");
      const video = join(dir, "short.mkv");
      execFileSync("ffmpeg", ["-v", "error", "-y", "-loop", "1", "-framerate", "10", "-i", png, "-t", "0.5", "-c:v", "ffv1", video]);
      const src = new VideoFrameSource(
        { path: video, width: 320, height: 240, framerate: 10, realtime: false, loop: false, restart: fastBackoff },
        { clock, logger: createMemoryLogger() },
      );
      let frames = 0;
      src.onFrame(() => frames++);
      await src.start();
      await until(() => src.health().metrics.ended === true);
      expect(frames).toBe(5);
      expect(src.restarts).toBe(0);
      await src.stop();
    },
    30_000,
  );

  it("builds the webcam ffmpeg command line from config", () => {
    const src = new V4l2FrameSource(
      { device: "/dev/video2", width: 1280, height: 720, framerate: 10, inputFormat: "mjpeg" },
      { clock, logger: createMemoryLogger() },
    );
    expect(src.spec().args).toEqual([
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "v4l2",
      "-input_format",
      "mjpeg",
      "-framerate",
      "10",
      "-video_size",
      "1280x720",
      "-i",
      "/dev/video2",
      "-vf",
      "scale=1280:720",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "gray",
      "-",
    ]);
    expect(src.spec().layout.frameBytes).toBe(1280 * 720);
  });
});
