// Raspberry Pi camera driver: rpicam-vid writing YUV420 to stdout (rows padded to the stride), luminance plane cut out.
import type { Clock, Logger } from "../../health.js";
import type { RpicamSourceConfig } from "../types.js";
import { rpicamSourceSchema } from "../types.js";
import { yuv420Layout } from "./frame-cutter.js";
import { StreamFrameSource, type StreamSpec } from "./stream-source.js";

export type RpicamOptions = Omit<Partial<RpicamSourceConfig>, "driver"> & {
  /** Row alignment of rpicam's YUV420 output (64 bytes). */
  strideAlign?: number;
};

export class RpicamFrameSource extends StreamFrameSource {
  readonly driver = "rpicam" as const;
  readonly config: RpicamSourceConfig;
  private readonly strideAlign: number;

  constructor(config: RpicamOptions, deps: { clock: Clock; logger: Logger }) {
    super(deps, "kiosk:camera:rpicam");
    const { strideAlign, ...rest } = config;
    this.config = rpicamSourceSchema.parse({ ...rest, driver: "rpicam" });
    this.strideAlign = strideAlign ?? 64;
  }

  spec(): StreamSpec {
    const c = this.config;
    return {
      command: c.binary,
      // -t 0: run forever; -n: no preview; --flush: hand each frame to stdout at once.
      args: ["-t", "0", "-n", "--camera", String(c.camera), "--codec", "yuv420", "--width", String(c.width), "--height", String(c.height), "--framerate", String(c.framerate), "--flush", ...c.extraArgs, "-o", "-"],
      layout: yuv420Layout(c.width, c.height, this.strideAlign),
      backoff: c.restart,
      restartOnCleanExit: true,
    };
  }
}
