// Worker-thread decoder: runs decode-worker.mjs in a worker, one decode in flight, restarts it when it dies or hangs.
import { Worker } from "node:worker_threads";
import type { Logger } from "../health.js";
import { optionsForPass, type StoreFormat } from "./decoder-options.js";
import type { DecodeOutcome, DecodePass, DecodedSymbol, Frame, FrameDecoder } from "./types.js";
import { ScanError, storeFormats } from "./types.js";

export interface WorkerDecoderOptions {
  logger: Logger;
  formats?: readonly StoreFormat[];
  grayInput?: "pixmap" | "rgba";
  decodeTimeoutMs?: number;
  wasmPath?: string;
  /** Where decode-worker.mjs is (defaults to beside this file). */
  workerUrl?: URL;
}

type WorkerReply =
  | { type: "ready"; wasmPath: string }
  | { type: "fatal"; message: string }
  | { type: "result"; id: number; symbols: DecodedSymbol[]; decodeMs: number }
  | { type: "error"; id: number; message: string };

interface InFlight {
  id: number;
  resolve: (o: DecodeOutcome) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class WorkerDecoder implements FrameDecoder {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private inFlight: InFlight | undefined;
  private busy = false;
  private nextId = 1;
  private stopped = true;
  /** Worker restarts after a crash or a hung decode. */
  restarts = 0;
  private readonly formats: readonly StoreFormat[];
  private readonly log: Logger;

  constructor(private readonly opts: WorkerDecoderOptions) {
    this.formats = opts.formats ?? storeFormats;
    this.log = opts.logger.child({ ns: "kiosk:scan:worker" });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureWorker();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.failInFlight(new ScanError("DECODER_STOPPED", "decoder stopped"));
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (w) await w.terminate();
  }

  async decode(frame: Frame, pass: DecodePass): Promise<DecodeOutcome> {
    if (this.stopped) throw new ScanError("DECODER_STOPPED", "decoder not started");
    // Claimed synchronously: a second call before the worker is (re)started must not slip in.
    if (this.busy) throw new ScanError("DECODER_BUSY", "a decode is already in flight");
    this.busy = true;
    try {
      await this.ensureWorker();
      return await this.post(frame, pass);
    } finally {
      this.busy = false;
    }
  }

  private post(frame: Frame, pass: DecodePass): Promise<DecodeOutcome> {
    const worker = this.worker;
    if (!worker || this.stopped) return Promise.reject(new ScanError("DECODER_STOPPED", "decoder stopped"));
    const id = this.nextId++;
    const options = optionsForPass(pass, this.formats);
    // Frames are copied (structured clone, ~0.1 ms for 640x480), not transferred: other listeners
    // of the source may still hold the same frame.
    const input =
      frame.kind === "gray"
        ? { kind: "gray" as const, data: frame.data, width: frame.width, height: frame.height }
        : { kind: "image" as const, bytes: frame.bytes };
    return new Promise<DecodeOutcome>((resolve, reject) => {
      const timeoutMs = this.opts.decodeTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        this.log.error({ code: "DECODER_TIMEOUT", timeoutMs }, "decode hung; restarting the worker");
        this.failInFlight(new ScanError("DECODER_TIMEOUT", `decode took longer than ${timeoutMs} ms`));
        this.restart();
      }, timeoutMs);
      this.inFlight = { id, resolve, reject, timer };
      worker.postMessage({ type: "decode", id, input, options });
    });
  }

  private ensureWorker(): Promise<void> {
    if (this.ready !== undefined) return this.ready;
    const url = this.opts.workerUrl ?? new URL("./decode-worker.mjs", import.meta.url);
    const worker = new Worker(url);
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      let isReady = false;
      worker.on("message", (msg: WorkerReply) => {
        if (msg.type === "ready") {
          isReady = true;
          this.log.debug({ wasmPath: msg.wasmPath }, "decode worker ready");
          resolve();
        } else if (msg.type === "fatal") {
          reject(new ScanError("DECODER_LOAD_FAILED", `decode worker could not load zxing-wasm: ${msg.message}`));
        } else {
          this.settle(msg);
        }
      });
      worker.on("error", (err: Error) => {
        this.log.error({ code: "DECODER_CRASHED", err: err.message }, "decode worker error");
        if (!isReady) reject(new ScanError("DECODER_LOAD_FAILED", `decode worker failed to start: ${err.message}`, { cause: err }));
      });
      worker.on("exit", (code) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.ready = undefined;
        if (!isReady) reject(new ScanError("DECODER_LOAD_FAILED", `decode worker exited with ${code} before it was ready`));
        if (!this.stopped) {
          this.restarts++;
          this.log.warn({ code: "DECODER_CRASHED", exitCode: code }, "decode worker exited; it restarts on the next frame");
          this.failInFlight(new ScanError("DECODER_CRASHED", `decode worker exited with ${code}`));
        }
      });
    });
    worker.postMessage({ type: "init", mode: this.opts.grayInput ?? "pixmap", wasmPath: this.opts.wasmPath });
    // A failed start must not leave a rejected promise cached.
    this.ready.catch(() => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = undefined;
        void worker.terminate();
      }
    });
    return this.ready;
  }

  private settle(msg: Extract<WorkerReply, { id: number }>): void {
    const f = this.inFlight;
    if (!f || f.id !== msg.id) return; // a late answer from a decode that already timed out
    this.inFlight = undefined;
    clearTimeout(f.timer);
    if (msg.type === "result") f.resolve({ symbols: msg.symbols.filter((s) => s.isValid), decodeMs: msg.decodeMs });
    else f.reject(new ScanError("DECODE_FAILED", msg.message));
  }

  private failInFlight(err: Error): void {
    const f = this.inFlight;
    if (!f) return;
    this.inFlight = undefined;
    clearTimeout(f.timer);
    f.reject(err);
  }

  private restart(): void {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    this.restarts++;
    if (w) void w.terminate();
  }
}
