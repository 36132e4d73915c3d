// USB webcam driver: ffmpeg reads /dev/videoN (V4L2) and writes packed 8-bit gray frames to stdout.
import type { Clock, Logger } from "../../health.js";
import type { V4l2SourceConfig } from "../types.js";
import { v4l2SourceSchema } from "../types.js";
import { grayLayout } from "./frame-cutter.js";
import { StreamFrameSource, type StreamSpec } from "./stream-source.js";

export class V4l2FrameSource extends StreamFrameSource {
  readonly driver = "v4l2" as const;
  readonly config: V4l2SourceConfig;

  constructor(config: Omit<Partial<V4l2SourceConfig>, "driver">, deps: { clock: Clock; logger: Logger }) {
    super(deps, "kiosk:camera:v4l2");
    this.config = v4l2SourceSchema.parse({ ...config, driver: "v4l2" });
  }

  spec(): StreamSpec {
    const c = this.config;
    const size = `${c.width}x${c.height}`;
    return {
      command: c.ffmpeg,
      args: [
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "v4l2",
        ...(c.inputFormat === "auto" ? [] : ["-input_format", c.inputFormat]),
        "-framerate",
        String(c.framerate),
        "-video_size",
        size,
        "-i",
        c.device,
        // The camera may not honour the size: scale so every frame has exactly the bytes we cut by.
        "-vf",
        `scale=${c.width}:${c.height}`,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
      ],
      layout: grayLayout(c.width, c.height),
      backoff: c.restart,
      restartOnCleanExit: true,
    };
  }
}
