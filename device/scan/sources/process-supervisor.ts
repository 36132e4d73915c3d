// Supervises a camera process (rpicam-vid, ffmpeg): restarts it with backoff when it dies, logs its stderr, names a missing binary.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Clock, Logger } from "../../health.js";
import type { BackoffConfig } from "../types.js";

export interface SupervisorOptions {
  command: string;
  args: readonly string[];
  backoff: BackoffConfig;
  /** Restart after a clean exit (code 0) too: true for cameras, false for a video file played once. */
  restartOnCleanExit: boolean;
  onStdout: (chunk: Buffer) => void;
  /** Called before each (re)start, e.g. to drop a partial frame. */
  onSpawn?: () => void;
  /** Called when the process ended and will not be restarted. */
  onEnd?: (reason: "clean-exit" | "stopped") => void;
}

export type SupervisorErrorCode = "BINARY_MISSING" | "PROCESS_EXITED";

export class ProcessSupervisor {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private delay: number;
  private startedAt = 0;
  restarts = 0;
  lastErrorCode: SupervisorErrorCode | undefined;
  lastErrorMessage: string | undefined;
  lastExit: { code: number | null; signal: string | null } | undefined;
  ended = false;

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly deps: { logger: Logger; clock: Clock },
  ) {
    this.delay = opts.backoff.initialMs;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.ended = false;
    this.spawnOnce();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => killGroup(child, "SIGKILL"), 2000);
      const done = (): void => {
        clearTimeout(kill);
        resolve();
      };
      child.once("exit", done);
      child.once("close", done);
      killGroup(child, "SIGTERM");
    });
  }

  private spawnOnce(): void {
    const { command, args } = this.opts;
    this.opts.onSpawn?.();
    this.startedAt = this.deps.clock.now();
    // Own process group, so a wrapper's children (a script around ffmpeg) go down with it.
    const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child = child;
    let missing = false;
    // Bytes still draining from a previous, dead process must not mix into the new stream.
    child.stdout.on("data", (chunk: Buffer) => {
      if (this.child === child) this.opts.onStdout(chunk);
    });
    const stderr = createInterface({ input: child.stderr });
    let stderrLines = 0;
    stderr.on("line", (line) => {
      // Cap per run so a chatty process cannot flood the journal.
      if (++stderrLines <= 50 && line.trim()) this.deps.logger.warn({ pid: child.pid, stderr: line.slice(0, 500) }, `${command} stderr`);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") {
        missing = true;
        this.lastErrorCode = "BINARY_MISSING";
        this.lastErrorMessage = `${command} not found: install it (rpicam-apps or ffmpeg) or set the path in the camera config`;
        this.deps.logger.error({ code: "BINARY_MISSING", command }, this.lastErrorMessage);
      } else {
        this.lastErrorCode = "PROCESS_EXITED";
        this.lastErrorMessage = `${command} failed to start: ${err.message}`;
        this.deps.logger.error({ code: "PROCESS_EXITED", command, err: err.message }, this.lastErrorMessage);
      }
    });
    // "exit" can come before stdout drains; a spawn that failed (ENOENT) only emits "close". Whichever is first.
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (ended) return;
      ended = true;
      if (this.child === child) this.child = undefined;
      killGroup(child, "SIGKILL"); // leftovers of the group, if any
      this.lastExit = { code, signal };
      if (!this.running) {
        this.opts.onEnd?.("stopped");
        return;
      }
      if (!missing && code === 0 && !this.opts.restartOnCleanExit) {
        this.running = false;
        this.ended = true;
        this.deps.logger.info({ command }, "process finished");
        this.opts.onEnd?.("clean-exit");
        return;
      }
      const ranFor = this.deps.clock.now() - this.startedAt;
      if (ranFor >= this.opts.backoff.resetAfterMs) this.delay = this.opts.backoff.initialMs;
      if (!missing) {
        this.lastErrorCode = "PROCESS_EXITED";
        this.lastErrorMessage = `${command} exited (code ${code}, signal ${signal}) after ${ranFor} ms`;
        this.deps.logger.warn(
          { code: "PROCESS_EXITED", exitCode: code, signal, ranForMs: ranFor, restartInMs: this.delay },
          "camera process exited; restarting",
        );
      }
      const wait = this.delay;
      this.delay = Math.min(this.opts.backoff.maxMs, Math.round(this.delay * this.opts.backoff.factor));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.running) return;
        this.restarts++;
        this.spawnOnce();
      }, wait);
    };
    child.on("exit", onEnd);
    child.on("close", onEnd);
  }

  /** Called by the source when frames flow again, so health stops showing an old error. */
  markHealthy(): void {
    if (this.lastErrorCode && this.child) {
      this.lastErrorCode = undefined;
      this.lastErrorMessage = undefined;
    }
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
