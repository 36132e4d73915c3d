// Test stand-in for rpicam-vid: real ffmpeg renders FAKE_CAMERA_IMAGE as YUV420 with rows padded to 64 bytes, as rpicam does.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
if (process.env.FAKE_CAMERA_ARGS_LOG) appendFileSync(process.env.FAKE_CAMERA_ARGS_LOG, `${JSON.stringify(args)}\n`);
if (process.env.FAKE_CAMERA_STDERR) process.stderr.write(`${process.env.FAKE_CAMERA_STDERR}\n`);
const w = Number(arg("--width", "640"));
const h = Number(arg("--height", "480"));
const fps = arg("--framerate", "15");
const stride = Math.ceil(w / 64) * 64;
const frames = process.env.FAKE_CAMERA_FRAMES ? ["-frames:v", process.env.FAKE_CAMERA_FRAMES] : [];
const ff = spawn(
  "ffmpeg",
  [
    "-hide_banner",
    "-loglevel",
    "error",
    "-re",
    "-loop",
    "1",
    "-framerate",
    fps,
    "-i",
    process.env.FAKE_CAMERA_IMAGE ?? "",
    "-vf",
    `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:white,pad=${stride}:${h}:0:0:black,format=yuv420p`,
    ...frames,
    "-f",
    "rawvideo",
    "-",
  ],
  { stdio: ["ignore", "inherit", "inherit"] },
);
process.on("SIGTERM", () => ff.kill("SIGTERM"));
ff.on("exit", (code) => process.exit(code ?? 1));
