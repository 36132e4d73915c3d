// Shared frame-source plumbing: listeners, sequence numbers, fps and last-frame-age for health reports.
import type { Clock, DriverHealth, HealthLevel, Logger } from "../../health.js";
import type { Frame, FrameListener, FrameSourceDriver, GrayFrame, ImageFrame } from "../types.js";

/** A frame before the source stamps it with seq and time. */
export type FrameInit = (Omit<GrayFrame, "seq" | "at"> | Omit<ImageFrame, "seq" | "at">) & { at?: number };

const FPS_WINDOW_MS = 5000;

export abstract class BaseFrameSource {
  abstract readonly driver: FrameSourceDriver;
  protected readonly listeners = new Set<FrameListener>();
  protected seq = 0;
  protected running = false;
  protected lastFrameAt: number | undefined;
  protected lastErrorCode: string | undefined;
  protected lastErrorMessage: string | undefined;
  private readonly recent: number[] = [];
  framesEmitted = 0;

  constructor(
    protected readonly clock: Clock,
    protected readonly log: Logger,
  ) {}

  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(frame: FrameInit): void {
    const at = frame.at ?? this.clock.now();
    const full = { ...frame, seq: ++this.seq, at } as Frame;
    this.framesEmitted++;
    this.lastFrameAt = at;
    this.recent.push(at);
    while (this.recent.length > 0 && (this.recent[0] ?? at) < at - FPS_WINDOW_MS) this.recent.shift();
    for (const l of this.listeners) {
      try {
        l(full);
      } catch (err) {
        this.log.error({ err: String(err) }, "frame listener threw");
      }
    }
  }

  protected fail(code: string, message: string): void {
    this.lastErrorCode = code;
    this.lastErrorMessage = message;
  }

  protected clearError(): void {
    this.lastErrorCode = undefined;
    this.lastErrorMessage = undefined;
  }

  /** Frames per second over the last five seconds. */
  fps(now = this.clock.now()): number {
    const recent = this.recent.filter((t) => t >= now - FPS_WINDOW_MS);
    if (recent.length < 2) return recent.length === 0 ? 0 : Math.round((1000 / FPS_WINDOW_MS) * 10) / 10;
    const first = recent[0] ?? now;
    const span = Math.max(now - first, 1);
    return Math.round(((recent.length - 1) / span) * 10_000) / 10;
  }

  protected baseHealth(level: HealthLevel, extra: DriverHealth["metrics"] = {}): DriverHealth {
    const now = this.clock.now();
    return {
      component: "camera",
      driver: this.driver,
      level,
      ...(this.lastErrorCode ? { errorCode: this.lastErrorCode } : {}),
      ...(this.lastErrorMessage ? { message: this.lastErrorMessage } : {}),
      at: now,
      metrics: {
        fps: this.fps(now),
        lastFrameAgeMs: this.lastFrameAt === undefined ? null : now - this.lastFrameAt,
        frames: this.framesEmitted,
        ...extra,
      },
    };
  }
}
