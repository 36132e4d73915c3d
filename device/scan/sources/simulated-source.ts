// Simulated frame source: frames only arrive when pushed (image bytes, image files or raw gray planes).
import { readFile } from "node:fs/promises";
import type { Clock, DriverHealth, Logger } from "../../health.js";
import type { PushInput, PushableFrameSource } from "../types.js";
import { ScanError } from "../types.js";
import { BaseFrameSource, type FrameInit } from "./base-source.js";

/** A source that also takes frames handed to it (the simulated camera, and the image folder). */
export abstract class PushableSourceBase extends BaseFrameSource {
  /** Emits one frame now (ignored while stopped, as a camera would be). */
  push(input: PushInput, name?: string): void {
    if (!this.running) return;
    emitPush((f) => this.emit(f), input, name);
  }

  async pushFile(path: string): Promise<void> {
    const bytes = await readFile(path).catch((err: unknown) => {
      throw new ScanError("SOURCE_NOT_FOUND", `cannot read ${path}: ${String(err)}`, { cause: err });
    });
    this.push(new Uint8Array(bytes), path);
  }
}

export class SimulatedFrameSource extends PushableSourceBase implements PushableFrameSource {
  readonly driver = "simulated" as const;

  constructor(deps: { clock: Clock; logger: Logger }) {
    super(deps.clock, deps.logger.child({ ns: "kiosk:camera", driver: "simulated" }));
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DriverHealth {
    return this.baseHealth(this.running ? "ok" : "down");
  }
}

/** Validates a pushed input and emits it as a frame. */
export function emitPush(emit: (f: FrameInit) => void, input: PushInput, name?: string): void {
  if (input instanceof Uint8Array) {
    if (input.byteLength === 0) throw new ScanError("FRAME_INVALID", "empty image");
    emit({ kind: "image", bytes: input, ...(name ? { name } : {}) });
    return;
  }
  const { data, width, height } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.byteLength !== width * height) {
    throw new ScanError("FRAME_INVALID", `gray plane of ${data.byteLength} bytes does not match ${width}x${height}`);
  }
  emit({ kind: "gray", data, width, height });
}
