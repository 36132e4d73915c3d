// Frame-source factory: picks the camera driver named by the kiosk config.
import type { Clock, Logger } from "../health.js";
import { FolderFrameSource } from "./sources/folder-source.js";
import { RpicamFrameSource } from "./sources/rpicam-source.js";
import { SimulatedFrameSource } from "./sources/simulated-source.js";
import { V4l2FrameSource } from "./sources/v4l2-source.js";
import { VideoFrameSource } from "./sources/video-source.js";
import type { z } from "zod";
import type { FrameSource, FrameSourceConfig } from "./types.js";
import { frameSourceConfigSchema } from "./types.js";

export interface FrameSourceDeps {
  clock: Clock;
  logger: Logger;
}

/** Validates the config (throws a ZodError naming the bad key) and builds the driver. */
export function createFrameSource(config: z.input<typeof frameSourceConfigSchema> | FrameSourceConfig, deps: FrameSourceDeps): FrameSource {
  const c = frameSourceConfigSchema.parse(config);
  switch (c.driver) {
    case "rpicam":
      return new RpicamFrameSource(c, deps);
    case "v4l2":
      return new V4l2FrameSource(c, deps);
    case "video":
      return new VideoFrameSource(c, deps);
    case "folder":
      return new FolderFrameSource(c, deps);
    case "simulated":
      return new SimulatedFrameSource(deps);
  }
}
