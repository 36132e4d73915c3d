// Frame cutting by exact byte count, with row stride, on synthetic chunks and on real ffmpeg YUV420 streams made here.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { FrameCutter, grayLayout, yuv420Layout } from "./frame-cutter.js";
import { requireTool } from "../../../test/support/requires.js";

const ffmpeg = requireTool("ffmpeg");

/** A YUV420 frame with padded rows: Y(x, y) = (x + 7 * y + frame) & 0xff, padding 0xee, chroma 0x80. */
function paddedFrame(width: number, height: number, stride: number, frame: number): { bytes: Uint8Array; luma: Uint8Array } {
  const layout = yuv420Layout(width, height, 64, stride);
  const bytes = new Uint8Array(layout.frameBytes).fill(0x80);
  const luma = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < stride; x++) bytes[y * stride + x] = x < width ? (x + 7 * y + frame) & 0xff : 0xee;
    for (let x = 0; x < width; x++) luma[y * width + x] = (x + 7 * y + frame) & 0xff;
  }
  return { bytes, luma };
}

function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  let i = 0;
  while (off < bytes.length) {
    const n = sizes[i++ % sizes.length] ?? 1;
    out.push(bytes.subarray(off, off + n));
    off += n;
  }
  return out;
}

describe("FrameCutter", () => {
  it("computes rpicam's YUV420 layout with rows padded to 64 bytes", () => {
    expect(yuv420Layout(640, 480)).toEqual({ width: 640, height: 480, strideY: 640, frameBytes: 640 * 480 * 1.5 });
    expect(yuv420Layout(600, 400)).toEqual({ width: 600, height: 400, strideY: 640, frameBytes: 640 * 400 + 2 * 320 * 200 });
    expect(yuv420Layout(1296, 972).strideY).toBe(1344);
    expect(yuv420Layout(101, 51).frameBytes).toBe(128 * 51 + 2 * 64 * 26);
  });

  it("cuts padded frames from chunks of any size, across rows and planes", () => {
    const w = 100;
    const h = 30;
    const stride = 128;
    const frames = [0, 1, 2].map((f) => paddedFrame(w, h, stride, f));
    const stream = Buffer.concat(frames.map((f) => f.bytes));
    for (const sizes of [[1], [7, 300, 13], [4096], [stream.length]]) {
      const cutter = new FrameCutter(yuv420Layout(w, h, 64, stride));
      const got: Uint8Array[] = [];
      for (const c of chunked(stream, sizes)) {
        const f = cutter.push(c);
        if (f) got.push(f);
      }
      expect(cutter.framesCompleted).toBe(3);
      // Newest wins: a chunk holding several whole frames yields only the last.
      expect(got.length + cutter.skipped).toBe(3);
      expect(Buffer.from(got[got.length - 1] ?? [])).toEqual(Buffer.from(frames[2]?.luma ?? []));
      if (sizes[0] === 1) expect(got.map((g) => Buffer.from(g))).toEqual(frames.map((f) => Buffer.from(f.luma)));
    }
  });

  it("reset() drops a partial frame after the process restarts", () => {
    const f = paddedFrame(64, 4, 64, 0);
    const cutter = new FrameCutter(yuv420Layout(64, 4));
    cutter.push(f.bytes.subarray(0, 100));
    cutter.reset();
    expect(Buffer.from(cutter.push(f.bytes) ?? [])).toEqual(Buffer.from(f.luma));
  });

  ffmpeg.it("matches ffmpeg's own gray output when cutting a real padded YUV420 stream", () => {
    const w = 600;
    const h = 200;
    const stride = 640;
    const src = ["-f", "lavfi", "-i", `testsrc2=size=${w}x${h}:rate=10`, "-frames:v", "3"];
    // rpicam-like: rows padded to 640 bytes (ffmpeg's pad filter widens every plane's rows).
    const yuv = execFileSync("ffmpeg", ["-v", "error", ...src, "-vf", `pad=${stride}:${h}:0:0:black,format=yuv420p`, "-f", "rawvideo", "-"], {
      maxBuffer: 1 << 26,
    });
    const gray = execFileSync("ffmpeg", ["-v", "error", ...src, "-vf", "format=yuv420p,extractplanes=y", "-f", "rawvideo", "-pix_fmt", "gray", "-"], {
      maxBuffer: 1 << 26,
    });
    const layout = yuv420Layout(w, h);
    expect(layout.strideY).toBe(stride);
    expect(yuv.length).toBe(3 * layout.frameBytes);
    const cutter = new FrameCutter(layout);
    const got: Buffer[] = [];
    for (const c of chunked(yuv, [65_536])) {
      const f = cutter.push(c);
      if (f) got.push(Buffer.from(f));
    }
    const last = gray.subarray(2 * w * h, 3 * w * h);
    expect(got[got.length - 1]?.equals(last)).toBe(true);
  });

  ffmpeg.it("cuts ffmpeg's packed gray output (webcam and video drivers)", () => {
    const gray = execFileSync("ffmpeg", [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=320x240:rate=10",
      "-frames:v",
      "2",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "gray",
      "-",
    ]);
    const cutter = new FrameCutter(grayLayout(320, 240));
    const frames = chunked(gray, [1000])
      .map((c) => cutter.push(c))
      .filter((f): f is Uint8Array => f !== undefined);
    expect(frames.length).toBe(2);
    expect(Buffer.from(frames[1] ?? []).equals(gray.subarray(320 * 240))).toBe(true);
  });
});
