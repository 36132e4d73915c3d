// systemd integration contracts: the notify transport, the watchdog config schema and error codes.
import { z } from "zod";

/** Sends sd_notify(3) state lines ("READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=..."). */
export interface NotifyTransport {
  /** False when not started by systemd with Type=notify (no NOTIFY_SOCKET): every send is then a no-op. */
  readonly enabled: boolean;
  send(fields: Readonly<Record<string, string>>): Promise<void>;
}

export const systemdConfigSchema = z.object({
  /** "systemd-notify": run the systemd-notify binary (needs NotifyAccess=all); "off": never notify. */
  notify: z.enum(["systemd-notify", "off"]).default("systemd-notify"),
  /** Path of systemd-notify. */
  binary: z.string().default("systemd-notify"),
  /** A systemd-notify that has not finished after this long is killed. */
  timeoutMs: z.number().int().positive().default(5000),
  /** The watchdog skips a ping when the main loop has not ticked for this long (default: the ping interval). */
  maxLoopStallMs: z.number().int().positive().optional(),
});
export type SystemdConfig = z.infer<typeof systemdConfigSchema>;

export type SystemdErrorCode = "NOTIFY_BINARY_MISSING" | "NOTIFY_FAILED" | "NOTIFY_TIMEOUT" | "WATCHDOG_USEC_INVALID";

export class SystemdError extends Error {
  constructor(
    readonly code: SystemdErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SystemdError";
  }
}
