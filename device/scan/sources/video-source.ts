// Recorded-video driver: ffmpeg decodes a file (optionally looped, at its own speed) into packed gray frames.
import type { Clock, Logger } from "../../health.js";
import type { VideoSourceConfig } from "../types.js";
import { videoSourceSchema } from "../types.js";
import { grayLayout } from "./frame-cutter.js";
import { StreamFrameSource, type StreamSpec } from "./stream-source.js";

export class VideoFrameSource extends StreamFrameSource {
  readonly driver = "video" as const;
  readonly config: VideoSourceConfig;

  constructor(config: Omit<Partial<VideoSourceConfig>, "driver"> & { path: string }, deps: { clock: Clock; logger: Logger }) {
    super(deps, "kiosk:camera:video");
    this.config = videoSourceSchema.parse({ ...config, driver: "video" });
  }

  spec(): StreamSpec {
    const c = this.config;
    return {
      command: c.ffmpeg,
      args: [
        "-hide_banner",
        "-loglevel",
        "error",
        ...(c.realtime ? ["-re"] : []),
        ...(c.loop ? ["-stream_loop", "-1"] : []),
        "-i",
        c.path,
        "-vf",
        `scale=${c.width}:${c.height},fps=${c.framerate}`,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
      ],
      layout: grayLayout(c.width, c.height),
      backoff: c.restart,
      // A file played once ends; a crash (non-zero exit) is restarted.
      restartOnCleanExit: c.loop,
    };
  }
}
