// sd_notify through the systemd-notify binary (Node has no unix datagram sockets); the unit needs NotifyAccess=all.
import { spawn } from "node:child_process";
import type { Logger } from "../health.js";
import type { NotifyTransport } from "./types.js";
import { SystemdError } from "./types.js";

export interface SystemdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  binary?: string;
  timeoutMs?: number;
  logger: Logger;
}

/**
 * Runs `systemd-notify KEY=VALUE...` with NOTIFY_SOCKET from the environment. systemd-notify (v246+)
 * waits for the service manager to take the message (sd_notify_barrier), which closes the race
 * where it exits before systemd can tell which unit sent it.
 */
export class SystemdNotifyTransport implements NotifyTransport {
  readonly enabled: boolean;
  private readonly env: NodeJS.ProcessEnv;
  private readonly binary: string;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(opts: SystemdNotifyOptions) {
    this.env = opts.env ?? process.env;
    this.enabled = typeof this.env.NOTIFY_SOCKET === "string" && this.env.NOTIFY_SOCKET.length > 0;
    this.binary = opts.binary ?? "systemd-notify";
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.log = opts.logger.child({ ns: "kiosk:systemd" });
  }

  send(fields: Readonly<Record<string, string>>): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const args = Object.entries(fields).map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k) || /\n/.test(v)) throw new SystemdError("NOTIFY_FAILED", `bad notify field ${k}`);
      return `${k}=${v}`;
    });
    return new Promise<void>((resolve, reject) => {
      const child = spawn(this.binary, args, { env: this.env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new SystemdError("NOTIFY_TIMEOUT", `${this.binary} did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      child.on("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          err.code === "ENOENT"
            ? new SystemdError("NOTIFY_BINARY_MISSING", `${this.binary} not found (package systemd)`, { cause: err })
            : new SystemdError("NOTIFY_FAILED", `${this.binary} failed: ${err.message}`, { cause: err }),
        );
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) {
          this.log.debug({ fields: args.join(" ") }, "sd_notify sent");
          resolve();
        } else reject(new SystemdError("NOTIFY_FAILED", `${this.binary} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`));
      });
    });
  }
}

/** The transport for "off" or tests: records what would have been sent. */
export class RecordingNotifyTransport implements NotifyTransport {
  readonly sent: Record<string, string>[] = [];
  constructor(readonly enabled = true) {}
  async send(fields: Readonly<Record<string, string>>): Promise<void> {
    if (this.enabled) this.sent.push({ ...fields });
  }
}
