// A frame source fed by a supervised process writing raw frames to stdout (shared by the rpicam, v4l2 and video drivers).
import type { Clock, DriverHealth, Logger } from "../../health.js";
import type { BackoffConfig, FrameSourceDriver } from "../types.js";
import { BaseFrameSource } from "./base-source.js";
import { FrameCutter, type FrameLayout } from "./frame-cutter.js";
import { ProcessSupervisor } from "./process-supervisor.js";

export interface StreamSpec {
  command: string;
  args: string[];
  layout: FrameLayout;
  backoff: BackoffConfig;
  restartOnCleanExit: boolean;
}

export abstract class StreamFrameSource extends BaseFrameSource {
  abstract override readonly driver: FrameSourceDriver;
  private supervisor: ProcessSupervisor | undefined;
  private cutter: FrameCutter | undefined;

  constructor(deps: { clock: Clock; logger: Logger }, ns: string) {
    super(deps.clock, deps.logger.child({ ns }));
  }

  /** The command line and frame layout this driver runs. */
  abstract spec(): StreamSpec;

  async start(): Promise<void> {
    if (this.running) return;
    const spec = this.spec();
    const cutter = new FrameCutter(spec.layout);
    this.cutter = cutter;
    this.running = true;
    this.supervisor = new ProcessSupervisor(
      {
        command: spec.command,
        args: spec.args,
        backoff: spec.backoff,
        restartOnCleanExit: spec.restartOnCleanExit,
        onSpawn: () => cutter.reset(),
        onStdout: (chunk) => {
          const luma = cutter.push(chunk);
          if (luma && this.running) {
            this.supervisor?.markHealthy();
            this.emit({ kind: "gray", data: luma, width: spec.layout.width, height: spec.layout.height });
          }
        },
      },
      { logger: this.log, clock: this.clock },
    );
    this.log.info({ command: spec.command, args: spec.args.join(" ") }, "starting camera process");
    this.supervisor.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.supervisor?.stop();
  }

  /** The supervised process id (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.supervisor?.pid;
  }

  get restarts(): number {
    return this.supervisor?.restarts ?? 0;
  }

  health(): DriverHealth {
    const s = this.supervisor;
    if (s?.lastErrorCode) this.fail(s.lastErrorCode, s.lastErrorMessage ?? s.lastErrorCode);
    else this.clearError();
    const age = this.lastFrameAt === undefined ? Number.POSITIVE_INFINITY : this.clock.now() - this.lastFrameAt;
    const level =
      !this.running && !s?.ended
        ? "down"
        : s?.ended
          ? "ok"
          : s?.lastErrorCode === "BINARY_MISSING" || !s?.alive
            ? "down"
            : age > 5000 || s.lastErrorCode
              ? "degraded"
              : "ok";
    return this.baseHealth(level, {
      restarts: this.restarts,
      skippedInChunk: this.cutter?.skipped ?? 0,
      pid: s?.pid ?? null,
      ended: s?.ended ?? false,
    });
  }
}
