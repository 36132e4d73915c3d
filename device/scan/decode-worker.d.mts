// Type declarations for decode-worker.mjs (the plain-JS worker), so TypeScript callers can use it in-process.
import type { ReaderOptions, ZXingReaderModule } from "zxing-wasm/reader";

export interface WorkerDecodedSymbol {
  text: string;
  format: string;
  bytes: Uint8Array;
  isValid: boolean;
  symbologyIdentifier: string;
}

export type WorkerDecodeInput =
  | { kind: "gray"; data: Uint8Array; width: number; height: number }
  | { kind: "image"; bytes: Uint8Array };

export type GrayInputMode = "pixmap" | "rgba";

export function readerWasmPath(): string;
export function loadReader(wasmPath?: string): Promise<ZXingReaderModule>;
export function decodeGray(
  mod: ZXingReaderModule,
  frame: { data: Uint8Array; width: number; height: number },
  options: ReaderOptions,
  mode: GrayInputMode,
): Promise<WorkerDecodedSymbol[]>;
export function decodeImage(bytes: Uint8Array, options: ReaderOptions): Promise<WorkerDecodedSymbol[]>;
export function decodeInput(
  mod: ZXingReaderModule,
  input: WorkerDecodeInput,
  options: ReaderOptions,
  mode: GrayInputMode,
): Promise<WorkerDecodedSymbol[]>;
