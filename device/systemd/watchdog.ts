// systemd readiness and watchdog: READY=1 when serving, WATCHDOG=1 every WATCHDOG_USEC/2 only while the main loop is healthy, STOPPING=1 on shutdown.
import type { Clock, DriverHealth, HealthReporter, Logger } from "../health.js";
import type { NotifyTransport } from "./types.js";
import { SystemdError } from "./types.js";

export interface SystemdServiceDeps {
  transport: NotifyTransport;
  logger: Logger;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /** True while the kiosk's main loop is healthy (checkout loop ticking, storage writable...). */
  isHealthy: () => boolean;
  /** Skip the ping when the event loop stalled longer than this (default: the ping interval). */
  maxLoopStallMs?: number;
}

/** WATCHDOG_USEC (µs) when it is meant for this process, else undefined. */
export function watchdogUsec(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const raw = env.WATCHDOG_USEC;
  if (!raw) return undefined;
  const usec = Number(raw);
  if (!Number.isInteger(usec) || usec <= 0) throw new SystemdError("WATCHDOG_USEC_INVALID", `WATCHDOG_USEC=${raw} is not a positive integer`);
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited the env must not ping.
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec;
}

export class SystemdService implements HealthReporter {
  private timer: NodeJS.Timeout | undefined;
  private lastTickAt: number | undefined;
  private lastPingAt: number | undefined;
  private readonly log: Logger;
  readonly intervalMs: number | undefined;
  pings = 0;
  skipped = 0;
  private lastErrorCode: string | undefined;
  private running = false;

  constructor(private readonly deps: SystemdServiceDeps) {
    this.log = deps.logger.child({ ns: "kiosk:systemd" });
    const usec = watchdogUsec(deps.env ?? process.env);
    this.intervalMs = usec === undefined ? undefined : Math.max(1, Math.floor(usec / 2000));
  }

  /** Call once the kiosk is serving: sends READY=1 and starts the watchdog pings. */
  async ready(status = "serving"): Promise<void> {
    this.running = true;
    await this.sendSafe({ READY: "1", STATUS: status });
    if (this.intervalMs !== undefined) {
      this.log.info({ intervalMs: this.intervalMs }, "systemd watchdog enabled");
      this.lastTickAt = this.deps.clock.now();
      this.schedule();
    }
  }

  async status(text: string): Promise<void> {
    await this.sendSafe({ STATUS: text });
  }

  /** Sends STOPPING=1 and stops pinging (first step of shutdown). */
  async stopping(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sendSafe({ STOPPING: "1" });
  }

  health(): DriverHealth {
    const now = this.deps.clock.now();
    return {
      component: "watchdog",
      driver: this.deps.transport.enabled ? "systemd-notify" : "off",
      level: !this.deps.transport.enabled ? "disabled" : this.lastErrorCode ? "degraded" : "ok",
      ...(this.lastErrorCode ? { errorCode: this.lastErrorCode } : {}),
      at: now,
      metrics: {
        intervalMs: this.intervalMs ?? null,
        pings: this.pings,
        skipped: this.skipped,
        lastPingAgeMs: this.lastPingAt === undefined ? null : now - this.lastPingAt,
      },
    };
  }

  private schedule(): void {
    const interval = this.intervalMs;
    if (interval === undefined || !this.running) return;
    this.timer = setTimeout(() => void this.tick(), interval);
  }

  private async tick(): Promise<void> {
    const interval = this.intervalMs ?? 0;
    const now = this.deps.clock.now();
    // A timer that fires far too late means the event loop was blocked: do not vouch for it.
    const stall = now - (this.lastTickAt ?? now) - interval;
    this.lastTickAt = now;
    let healthy = stall <= (this.deps.maxLoopStallMs ?? interval);
    if (healthy) {
      try {
        healthy = this.deps.isHealthy();
      } catch {
        healthy = false;
      }
    }
    if (healthy) {
      await this.sendSafe({ WATCHDOG: "1" });
      this.pings++;
      this.lastPingAt = now;
    } else {
      this.skipped++;
      this.log.warn({ stallMs: Math.max(0, stall) }, "main loop unhealthy: watchdog not pinged");
    }
    this.schedule();
  }

  private async sendSafe(fields: Record<string, string>): Promise<void> {
    try {
      await this.deps.transport.send(fields);
      this.lastErrorCode = undefined;
    } catch (err) {
      this.lastErrorCode = err instanceof SystemdError ? err.code : "NOTIFY_FAILED";
      this.log.error({ code: this.lastErrorCode, err: String(err) }, "sd_notify failed");
    }
  }
}
