// systemd factory: the notify transport named by the kiosk config, wrapped in the readiness/watchdog service.
import type { Clock, Logger } from "../health.js";
import { RecordingNotifyTransport, SystemdNotifyTransport } from "./systemd-notify.js";
import type { NotifyTransport } from "./types.js";
import { systemdConfigSchema, type SystemdConfig } from "./types.js";
import { SystemdService } from "./watchdog.js";

export interface SystemdDeps {
  logger: Logger;
  clock: Clock;
  /** True while the kiosk's main loop is healthy; the watchdog is pinged only then. */
  isHealthy: () => boolean;
  env?: NodeJS.ProcessEnv;
  /** Replaces the transport the config names (tests). */
  transport?: NotifyTransport;
}

export function createSystemdService(config: Partial<SystemdConfig>, deps: SystemdDeps): SystemdService {
  const cfg = systemdConfigSchema.parse(config);
  const env = deps.env ?? process.env;
  const transport =
    deps.transport ??
    (cfg.notify === "off"
      ? new RecordingNotifyTransport(false)
      : new SystemdNotifyTransport({ env, binary: cfg.binary, timeoutMs: cfg.timeoutMs, logger: deps.logger }));
  return new SystemdService({
    transport,
    logger: deps.logger,
    clock: deps.clock,
    env,
    isHealthy: deps.isHealthy,
    ...(cfg.maxLoopStallMs !== undefined ? { maxLoopStallMs: cfg.maxLoopStallMs } : {}),
  });
}
