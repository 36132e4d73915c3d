// The scanner service: newest frame wins, one decode in flight, idle thorough pass, duplicate drop, classification.
import type { Clock, DriverHealth, HealthReporter, Logger } from "../health.js";
import { classifyScan } from "./classify.js";
import { DuplicateFilter } from "./dedupe.js";
import type { DecodeOutcome, DecodePass, Frame, FrameDecoder, FrameSource, ScanListener, ScanResult, ScannerConfig } from "./types.js";
import { ScanError, scannerConfigSchema } from "./types.js";

export interface ScannerDeps {
  source: FrameSource;
  decoder: FrameDecoder;
  logger: Logger;
  clock: Clock;
  /** Parsed with scannerConfigSchema (defaults filled in). */
  config?: Partial<ScannerConfig>;
}

export interface ScannerStats {
  framesIn: number;
  /** Frames replaced by a newer one while the decoder was busy (never decoded). */
  framesDropped: number;
  framesDecoded: number;
  thoroughPasses: number;
  results: number;
  duplicates: number;
  decodeErrors: number;
  /** 1D reads held for a second frame (see confirmLinear); confirmed ones are counted in results too. */
  held: number;
  confirmed: number;
}

const LATENCY_WINDOW = 64;

export class Scanner implements HealthReporter {
  readonly config: ScannerConfig;
  private readonly log: Logger;
  private readonly listeners = new Set<ScanListener>();
  private readonly dupes: DuplicateFilter;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private busy = false;
  private pending: Frame | undefined;
  private idleSince = 0;
  private lastThoroughAt = Number.NEGATIVE_INFINITY;
  private lastResultAt: number | undefined;
  private lastErrorCode: string | undefined;
  private readonly roundTripMs: number[] = [];
  private readonly frameToResultMs: number[] = [];
  private drained: Promise<void> = Promise.resolve();
  private resolveDrained: (() => void) | undefined;
  readonly stats: ScannerStats = {
    framesIn: 0,
    framesDropped: 0,
    framesDecoded: 0,
    thoroughPasses: 0,
    results: 0,
    duplicates: 0,
    decodeErrors: 0,
    held: 0,
    confirmed: 0,
  };
  /** Doubtful 1D reads waiting for a second sighting: format + text -> when and in which decoded frame first seen. */
  private readonly unconfirmed = new Map<string, { at: number; frame: number }>();

  constructor(private readonly deps: ScannerDeps) {
    this.config = scannerConfigSchema.parse(deps.config ?? {});
    this.log = deps.logger.child({ ns: "kiosk:scan" });
    this.dupes = new DuplicateFilter(this.config.duplicateWindowMs);
  }

  /** Subscribes to accepted results; returns the unsubscribe function. */
  onResult(listener: ScanListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.deps.decoder.start();
    this.running = true;
    this.idleSince = this.deps.clock.now();
    this.unsubscribe = this.deps.source.onFrame((f) => this.onFrame(f));
    try {
      await this.deps.source.start();
    } catch (err) {
      this.running = false;
      this.unsubscribe();
      await this.deps.decoder.stop();
      throw err;
    }
    this.log.info({ source: this.deps.source.driver }, "scanner started");
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.pending = undefined;
    this.unsubscribe?.();
    await this.deps.source.stop();
    await this.drained;
    await this.deps.decoder.stop();
    this.log.info(this.stats, "scanner stopped");
  }

  /** Forget recent codes (after a checkout, the next customer may scan the same item at once). */
  clearDuplicates(): void {
    this.dupes.clear();
    this.unconfirmed.clear();
  }

  /**
   * A 1D read counts when it is confirmed: read by the fast pass (unless confirmLinear is "always"),
   * or the same format and text seen in an earlier frame within confirmWindowMs. A single doubtful
   * read (the idle thorough pass once read a UPC-A photo as EAN13 9074932437075) is only held.
   */
  private confirmed(format: string, text: string, pass: DecodePass, frame: number, now: number): boolean {
    const mode = this.config.confirmLinear;
    if (mode === "off" || format === "QRCode" || classifyScan(text, format) !== "product") return true;
    if (mode === "thorough" && pass === "fast") return true;
    for (const [k, v] of this.unconfirmed) if (now - v.at > this.config.confirmWindowMs) this.unconfirmed.delete(k);
    const key = `${format}\u0000${text}`;
    const seen = this.unconfirmed.get(key);
    if (seen !== undefined && seen.frame < frame) {
      this.unconfirmed.delete(key);
      this.stats.confirmed++;
      return true;
    }
    if (seen === undefined) {
      if (this.unconfirmed.size >= 64) this.unconfirmed.delete(this.unconfirmed.keys().next().value ?? "");
      this.unconfirmed.set(key, { at: now, frame });
      this.stats.held++;
      this.log.debug({ format, pass }, "1D read held until a second frame confirms it");
    }
    return false;
  }

  /** Resolves when the decoder has nothing in flight and nothing pending (tests). */
  idle(): Promise<void> {
    return this.drained;
  }

  health(): DriverHealth {
    const now = this.deps.clock.now();
    const p = percentiles(this.roundTripMs);
    const f = percentiles(this.frameToResultMs);
    return {
      component: "scanner",
      driver: "zxing-wasm",
      // degraded: the latest decode failed (worker crashed, hung, or could not load).
      level: !this.running ? "down" : this.lastErrorCode ? "degraded" : "ok",
      ...(this.lastErrorCode ? { errorCode: this.lastErrorCode } : {}),
      at: now,
      metrics: {
        ...this.stats,
        decodeMsP50: p.p50,
        decodeMsP95: p.p95,
        frameToResultMsP50: f.p50,
        lastResultAgeMs: this.lastResultAt === undefined ? null : now - this.lastResultAt,
        decoderRestarts: this.deps.decoder.restarts ?? 0,
        busy: this.busy,
      },
    };
  }

  private onFrame(frame: Frame): void {
    if (!this.running) return;
    this.stats.framesIn++;
    if (this.busy) {
      // Newest frame wins: a frame still waiting is replaced, never queued.
      if (this.pending) this.stats.framesDropped++;
      this.pending = frame;
      return;
    }
    this.busy = true;
    this.drained = new Promise<void>((resolve) => (this.resolveDrained = resolve));
    void this.loop(frame);
  }

  private async loop(first: Frame): Promise<void> {
    let frame: Frame | undefined = first;
    try {
      while (frame && this.running) {
        await this.decodeOne(frame);
        frame = this.pending;
        this.pending = undefined;
      }
    } finally {
      this.busy = false;
      this.resolveDrained?.();
    }
  }

  private choosePass(now: number): DecodePass {
    const idleFor = now - Math.max(this.idleSince, this.lastResultAt ?? Number.NEGATIVE_INFINITY);
    if (idleFor >= this.config.idleAfterMs && now - this.lastThoroughAt >= this.config.thoroughIntervalMs) {
      this.lastThoroughAt = now;
      return "thorough";
    }
    return "fast";
  }

  private async decodeOne(frame: Frame): Promise<void> {
    const startedAt = this.deps.clock.now();
    const pass = this.choosePass(startedAt);
    if (pass === "thorough") this.stats.thoroughPasses++;
    let symbols: DecodeOutcome["symbols"];
    try {
      ({ symbols } = await this.deps.decoder.decode(frame, pass));
    } catch (err) {
      this.stats.decodeErrors++;
      const code = err instanceof ScanError ? err.code : "DECODE_FAILED";
      if (code !== this.lastErrorCode) this.log.warn({ code, err: String(err) }, "decode failed");
      this.lastErrorCode = code;
      return;
    }
    this.lastErrorCode = undefined;
    this.stats.framesDecoded++;
    const now = this.deps.clock.now();
    push(this.roundTripMs, now - startedAt);
    for (const s of symbols) {
      if (!s.isValid) continue;
      if (!this.confirmed(s.format, s.text, pass, this.stats.framesDecoded, now)) continue;
      this.lastResultAt = now;
      if (!this.dupes.accept(s.format, s.text, now)) {
        this.stats.duplicates++;
        continue;
      }
      this.stats.results++;
      push(this.frameToResultMs, now - frame.at);
      const result: ScanResult = { text: s.text, format: s.format, kind: classifyScan(s.text, s.format), at: now, frameAt: frame.at, pass };
      this.log.debug({ format: result.format, kind: result.kind, pass }, "scan accepted");
      for (const l of this.listeners) {
        try {
          l(result);
        } catch (err) {
          this.log.error({ err: String(err) }, "scan listener threw");
        }
      }
    }
  }
}

function push(window: number[], v: number): void {
  window.push(v);
  if (window.length > LATENCY_WINDOW) window.shift();
}

export function percentiles(values: readonly number[]): { p50: number | null; p95: number | null } {
  if (values.length === 0) return { p50: null, p95: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: Math.round(at(0.5) * 10) / 10, p95: Math.round(at(0.95) * 10) / 10 };
}
