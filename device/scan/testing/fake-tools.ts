// Test helper: shell wrappers around the node stand-ins for rpicam-vid and a V4L2 ffmpeg, with their environment baked in.
import { chmodSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function fakeTool(path: string, script: "fake-rpicam-vid.mjs" | "fake-ffmpeg-v4l2.mjs", env: Record<string, string>): string {
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\\\''")}'`)
    .join(" ");
  writeFileSync(path, `#!/bin/sh\n${vars} exec node ${join(here, script)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
