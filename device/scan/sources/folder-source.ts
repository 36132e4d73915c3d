// Image-folder frame source: emits each image file of a folder once (name order), polls for new ones, and takes pushes.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { Clock, DriverHealth, Logger } from "../../health.js";
import type { FolderSourceConfig, PushableFrameSource } from "../types.js";
import { ScanError, folderSourceSchema } from "../types.js";
import { PushableSourceBase } from "./simulated-source.js";

export class FolderFrameSource extends PushableSourceBase implements PushableFrameSource {
  readonly driver = "folder" as const;
  readonly config: FolderSourceConfig;
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(config: Omit<Partial<FolderSourceConfig>, "driver"> & { path: string }, deps: { clock: Clock; logger: Logger }) {
    super(deps.clock, deps.logger.child({ ns: "kiosk:camera", driver: "folder" }));
    this.config = folderSourceSchema.parse({ ...config, driver: "folder" });
  }

  async start(): Promise<void> {
    if (this.running) return;
    const st = await stat(this.config.path).catch(() => undefined);
    if (!st?.isDirectory()) {
      this.fail("SOURCE_NOT_FOUND", `image folder ${this.config.path} does not exist`);
      throw new ScanError("SOURCE_NOT_FOUND", `image folder ${this.config.path} does not exist`);
    }
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  health(): DriverHealth {
    return this.baseHealth(this.running ? (this.lastErrorCode ? "degraded" : "ok") : "down", { filesSeen: this.seen.size });
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (!this.running || this.ticking) return;
    this.ticking = true;
    let exhausted = false;
    try {
      const next = await this.nextFile();
      exhausted = next === undefined;
      if (next) {
        const bytes = await readFile(next);
        if (this.running) this.emit({ kind: "image", bytes: new Uint8Array(bytes), name: next });
        this.clearError();
      }
    } catch (err) {
      this.fail("SOURCE_NOT_FOUND", `image folder read failed: ${String(err)}`);
      this.log.warn({ code: "SOURCE_NOT_FOUND", err: String(err) }, "image folder read failed");
    } finally {
      this.ticking = false;
    }
    // Without watch or loop, polling ends when the folder is exhausted (pushes still work).
    if (exhausted && !this.config.watch && !this.config.loop) return;
    this.schedule(this.config.intervalMs);
  }

  private async nextFile(): Promise<string | undefined> {
    const exts = new Set(this.config.extensions.map((e) => e.toLowerCase()));
    const names = (await readdir(this.config.path)).filter((n) => exts.has(extname(n).toLowerCase())).sort();
    let name = names.find((n) => !this.seen.has(n));
    if (name === undefined && this.config.loop && names.length > 0) {
      this.seen.clear();
      name = names[0];
    }
    if (name === undefined) return undefined;
    this.seen.add(name);
    return join(this.config.path, name);
  }
}
