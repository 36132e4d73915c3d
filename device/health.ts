// Driver health reports (camera, decoder, printer, GPIO, watchdog); re-exports the tree's Clock and Logger for the drivers.
import { z } from "zod";
import type { Clock } from "../protocol/clock.js";

/** ok: working; degraded: working with trouble (restarts, paper low, slow); down: not working; disabled: not configured. */
export const healthLevels = ["ok", "degraded", "down", "disabled"] as const;
export type HealthLevel = (typeof healthLevels)[number];

/** One driver's report, as served on /healthz and embedded in the status message to the hub. */
export const driverHealthSchema = z.object({
  /** What kind of device: "camera", "decoder", "scanner", "printer", "gpio", "watchdog". */
  component: z.string().min(1),
  /** Which driver serves it: "rpicam", "v4l2", "simulated", "tcp", ... */
  driver: z.string().min(1),
  level: z.enum(healthLevels),
  /** Error code of the last failure (branch on this, not on message). */
  errorCode: z.string().optional(),
  message: z.string().optional(),
  /** When the report was made (ms since epoch, from the injected clock). */
  at: z.number(),
  /** Driver-specific figures: fps, lastFrameAgeMs, decodeMsP50, paperOut, gate, ... */
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type DriverHealth = z.infer<typeof driverHealthSchema>;

export interface HealthReporter {
  health(): DriverHealth;
}

const levelRank: Record<HealthLevel, number> = { disabled: 0, ok: 1, degraded: 2, down: 3 };

/** The worst level among reports (disabled drivers do not make the kiosk unhealthy). */
export function worstLevel(reports: readonly DriverHealth[]): HealthLevel {
  let worst: HealthLevel = "ok";
  for (const r of reports) {
    if (r.level !== "disabled" && levelRank[r.level] > levelRank[worst]) worst = r.level;
  }
  return worst;
}

/** Collects every reporter's health; a reporter that throws is reported as down instead of breaking /healthz. */
export function collectHealth(reporters: readonly { name: string; reporter: HealthReporter }[], clock: Clock): { level: HealthLevel; drivers: DriverHealth[] } {
  const drivers = reporters.map(({ name, reporter }) => {
    try {
      return reporter.health();
    } catch (err) {
      return {
        component: name,
        driver: "unknown",
        level: "down" as const,
        errorCode: "HEALTH_REPORT_FAILED",
        message: err instanceof Error ? err.message : String(err),
        at: clock.now(),
        metrics: {},
      };
    }
  });
  return { level: worstLevel(drivers), drivers };
}

/** Why an optional driver could not start (its error's code, else DEVICE_START_FAILED). */
export interface StartFailure {
  code: string;
  message: string;
}

export function startFailure(err: unknown): StartFailure {
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : "DEVICE_START_FAILED";
  return { code, message: err instanceof Error ? err.message : String(err) };
}

/** A driver that failed to start: its own report marked down with the start error, so health says why while the kiosk sells on. */
export function failedStartHealth(report: DriverHealth, failure: StartFailure): DriverHealth {
  return { ...report, level: "down", errorCode: failure.code, message: failure.message };
}

// The one Clock and Logger of the tree (protocol/clock.ts, pino's logger), re-exported for the drivers that import them from here.
export { systemClock } from "../protocol/clock.js";
export type { Clock } from "../protocol/clock.js";
export type { Logger } from "../runtime/log.js";
export { createSilentLogger } from "../runtime/log.js";

/** The hub as the kiosk sees it, apart from the broker (a live broker with a dead hub is not "connected"). */
export interface HubHealth {
  level: HealthLevel;
  /** The broker connection only. */
  broker: "connected" | "disconnected";
  /** From the hub's retained presence topic (or its answers): online, offline, or not known yet. */
  presence: "online" | "offline" | "unknown";
  instance?: string;
  /** Since the hub last acknowledged anything from this kiosk (absent: not since the kiosk started). */
  lastAckAgeMs?: number;
  /** Age of the oldest ledger entry the hub has not acknowledged (absent: the outbox is empty). */
  oldestUnackedAgeMs?: number;
  /** zh-CN first, with English, and what to do. */
  message: string;
}

/** Sales waiting longer than this make the hub's state degraded even while it is online (it is not keeping up). */
export const HUB_LAG_DEGRADED_MS = 5 * 60_000;

export function hubHealth(
  view: { presence: HubHealth["presence"]; instance?: string; lastAckAgeMs?: number; oldestUnackedAgeMs?: number },
  brokerConnected: boolean,
): HubHealth {
  const base = { broker: brokerConnected ? ("connected" as const) : ("disconnected" as const), ...view };
  if (!brokerConnected)
    return { ...base, level: "degraded", message: "未连接消息服务器，离线销售中；检查网络。Not connected to the broker: selling offline; check the network." };
  if (view.presence === "offline")
    return { ...base, level: "degraded", message: "总部服务离线，离线销售中；请联系总部 IT。The hub is offline: selling offline; ask HQ IT to check the hub." };
  if (view.presence === "unknown") return { ...base, level: "degraded", message: "尚未收到总部服务状态。The hub has not announced itself yet." };
  if ((view.oldestUnackedAgeMs ?? 0) > HUB_LAG_DEGRADED_MS) {
    return {
      ...base,
      level: "degraded",
      message: "总部服务在线但未确认销售记录；请联系总部 IT。The hub is online but has not acknowledged sales for over 5 minutes; ask HQ IT.",
    };
  }
  return { ...base, level: "ok", message: "总部服务在线。The hub is online." };
}
