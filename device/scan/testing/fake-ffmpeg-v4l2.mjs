// Test stand-in for ffmpeg reading a V4L2 webcam: replaces the `-f v4l2 ... -i /dev/videoN` input by FAKE_CAMERA_IMAGE and runs the real ffmpeg with the driver's output arguments.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

const args = process.argv.slice(2);
if (process.env.FAKE_CAMERA_ARGS_LOG) appendFileSync(process.env.FAKE_CAMERA_ARGS_LOG, `${JSON.stringify(args)}\n`);
const out = [];
let fps = "15";
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "-f" && args[i + 1] === "v4l2") {
    i++;
    continue;
  }
  if (a === "-input_format" || a === "-video_size") {
    i++;
    continue;
  }
  if (a === "-framerate") {
    fps = args[++i];
    continue;
  }
  if (a === "-i" && String(args[i + 1]).startsWith("/dev/video")) {
    i++;
    out.push("-re", "-loop", "1", "-framerate", fps, "-i", process.env.FAKE_CAMERA_IMAGE ?? "");
    continue;
  }
  out.push(a);
}
const ff = spawn("ffmpeg", out, { stdio: ["ignore", "inherit", "inherit"] });
process.on("SIGTERM", () => ff.kill("SIGTERM"));
ff.on("exit", (code) => process.exit(code ?? 1));
