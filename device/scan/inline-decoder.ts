// In-process decoder (same code as the worker, on the calling thread): for tests, benches and one-off decodes.
import type { ReaderOptions, ZXingReaderModule } from "zxing-wasm/reader";
import { decodeInput, loadReader, type GrayInputMode } from "./decode-worker.mjs";
import { optionsForPass, type StoreFormat } from "./decoder-options.js";
import type { DecodedSymbol, DecodeOutcome, DecodePass, Frame, FrameDecoder } from "./types.js";
import { ScanError, storeFormats } from "./types.js";

export interface InlineDecoderOptions {
  formats?: readonly StoreFormat[];
  grayInput?: GrayInputMode;
  wasmPath?: string;
}

export class InlineDecoder implements FrameDecoder {
  private mod: ZXingReaderModule | undefined;
  private readonly formats: readonly StoreFormat[];
  private readonly grayInput: GrayInputMode;

  constructor(private readonly opts: InlineDecoderOptions = {}) {
    this.formats = opts.formats ?? storeFormats;
    this.grayInput = opts.grayInput ?? "pixmap";
  }

  async start(): Promise<void> {
    if (this.mod) return;
    try {
      this.mod = await loadReader(this.opts.wasmPath);
    } catch (err) {
      throw new ScanError("DECODER_LOAD_FAILED", `cannot load zxing-wasm reader: ${String(err)}`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    this.mod = undefined;
  }

  async decode(frame: Frame, pass: DecodePass): Promise<DecodeOutcome> {
    return this.decodeWith(frame, optionsForPass(pass, this.formats));
  }

  /** Decodes with explicit reader options (benches compare option sets with this). */
  async decodeWith(frame: Frame | { kind: "gray"; data: Uint8Array; width: number; height: number }, options: ReaderOptions): Promise<DecodeOutcome> {
    if (!this.mod) await this.start();
    const mod = this.mod;
    if (!mod) throw new ScanError("DECODER_STOPPED", "decoder not started");
    const started = performance.now();
    try {
      const input =
        frame.kind === "gray"
          ? { kind: "gray" as const, data: frame.data, width: frame.width, height: frame.height }
          : { kind: "image" as const, bytes: frame.bytes };
      const symbols: DecodedSymbol[] = await decodeInput(mod, input, options, this.grayInput);
      return { symbols: symbols.filter((s) => s.isValid), decodeMs: performance.now() - started };
    } catch (err) {
      throw new ScanError("DECODE_FAILED", `decode failed: ${String(err)}`, { cause: err });
    }
  }
}

/**
 * Decodes one image file's bytes or one gray plane with the kiosk's settings; valid symbols only.
 * For tests, benches and tools; the kiosk itself decodes through the Scanner and its worker.
 */
export async function decodeOnce(
  input: Uint8Array | { data: Uint8Array; width: number; height: number },
  opts: InlineDecoderOptions & { pass?: DecodePass; options?: ReaderOptions; decoder?: InlineDecoder } = {},
): Promise<DecodedSymbol[]> {
  const decoder = opts.decoder ?? new InlineDecoder(opts);
  const frame: Frame =
    input instanceof Uint8Array
      ? { kind: "image", bytes: input, seq: 0, at: 0 }
      : { kind: "gray", data: input.data, width: input.width, height: input.height, seq: 0, at: 0 };
  const outcome = await decoder.decodeWith(frame, opts.options ?? optionsForPass(opts.pass ?? "fast", opts.formats ?? storeFormats));
  return outcome.symbols;
}
