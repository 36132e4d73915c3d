// Raspberry Pi camera driver: rpicam-vid writing YUV420 to stdout (rows padded to the stride), luminance plane cut out.
import type { Clock, Logger } from "../../health.js";
import type { RpicamSourceConfig } from "../types.js";
import { rpicamSourceSchema } from "../types.js";
import { yuv420Layout } from "./frame-cutter.js";
import { StreamFrameSource, type StreamSpec } from "./stream-source.js";

export type RpicamOptions = Omit<Partial<RpicamSourceConfig>, "driver">;

export class RpicamFrameSource extends StreamFrameSource {
  readonly driver = "rpicam" as const;
  readonly config: RpicamSourceConfig;

  constructor(config: RpicamOptions, deps: { clock: Clock; logger: Logger }) {
    super(deps, "kiosk:camera:rpicam");
    this.config = rpicamSourceSchema.parse({ ...config, driver: "rpicam" });
  }

  spec(): StreamSpec {
    const c = this.config;
    return {
      command: c.binary,
      // -t 0: run forever; -n: no preview; --flush: hand each frame to stdout at once.
      args: [
        "-t",
        "0",
        "-n",
        "--camera",
        String(c.camera),
        "--codec",
        "yuv420",
        "--width",
        String(c.width),
        "--height",
        String(c.height),
        "--framerate",
        String(c.framerate),
        "--flush",
        ...c.extraArgs,
        "-o",
        "-",
      ],
      layout: yuv420Layout(c.width, c.height, c.strideAlign, c.stride > 0 ? c.stride : undefined),
      backoff: c.restart,
      restartOnCleanExit: true,
    };
  }
}
