// Decode worker: loads zxing-wasm/reader from node_modules (never a CDN) and decodes gray planes or image bytes; plain ES module so it runs as a Node worker thread
// (and under Bun, and from dist/) with no loader; `// @ts-check` + JSDoc make `npm run typecheck` check it (tsconfig allowJs).
// @ts-check
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isMainThread, parentPort } from "node:worker_threads";
import { BINARIZERS, CHARACTER_SETS, EAN_ADD_ON_SYMBOLS, TEXT_MODES, encodeFormats, prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

/** @typedef {import("zxing-wasm/reader").ReaderOptions} ReaderOptions */
/** @typedef {import("zxing-wasm/reader").ZXingReaderModule} ZXingReaderModule */
/** @typedef {{ text: string, format: string, bytes: Uint8Array, isValid: boolean, symbologyIdentifier: string }} DecodedSymbol */
/** @typedef {{ kind: "gray", data: Uint8Array, width: number, height: number } | { kind: "image", bytes: Uint8Array }} DecodeInput */
/** @typedef {DecodedSymbol} WorkerDecodedSymbol */
/** @typedef {DecodeInput} WorkerDecodeInput */
/** @typedef {"pixmap" | "rgba"} GrayInputMode */
/**
 * The embind surface decodeGray uses, which zxing-wasm's ZXingReaderModule type leaves out.
 * @typedef {{ size(): number, get(i: number): unknown, delete?: () => void }} EmVector
 * @typedef {{ _malloc(n: number): number, _free(ptr: number): void, HEAPU8: Uint8Array, readBarcodesFromPixmap(ptr: number, width: number, height: number, options: unknown): EmVector }} PixmapModule
 */

/** Absolute path of the reader's .wasm inside node_modules/zxing-wasm/dist/reader. */
export function readerWasmPath() {
  const require = createRequire(import.meta.url);
  return require.resolve("zxing-wasm/reader/zxing_reader.wasm");
}

/** The .wasm bytes per path: handing zxing-wasm the same ArrayBuffer lets its own cache reuse the instance. */
/** @type {Map<string, ArrayBuffer>} */
const wasmBinaries = new Map();
/** @type {string | undefined} */
let preparedPath;

/**
 * Instantiates the reader module from the local .wasm file (once per thread and path).
 * @param {string} [wasmPath]
 * @returns {Promise<ZXingReaderModule>}
 */
export async function loadReader(wasmPath = readerWasmPath()) {
  let wasmBinary = wasmBinaries.get(wasmPath);
  if (!wasmBinary) {
    const bytes = readFileSync(wasmPath);
    wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    wasmBinaries.set(wasmPath, wasmBinary);
  }
  preparedPath = wasmPath;
  return prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
}

/**
 * The ReaderOptions -> embind options conversion that zxing-wasm does inside readBarcodes,
 * built from its exported tables, so a gray plane can go straight to readBarcodesFromPixmap.
 * @param {ReaderOptions} o
 */
function toZXingOptions(o) {
  return {
    tryHarder: o.tryHarder ?? true,
    tryRotate: o.tryRotate ?? true,
    tryInvert: o.tryInvert ?? true,
    tryDownscale: o.tryDownscale ?? true,
    tryDenoise: o.tryDenoise ?? false,
    isPure: o.isPure ?? false,
    downscaleFactor: o.downscaleFactor ?? 3,
    downscaleThreshold: o.downscaleThreshold ?? 500,
    minLineCount: o.minLineCount ?? 2,
    maxNumberOfSymbols: o.maxNumberOfSymbols ?? 255,
    validateOptionalChecksum: o.validateOptionalChecksum ?? false,
    returnErrors: o.returnErrors ?? false,
    tryCode39ExtendedMode: true,
    formats: encodeFormats(o.formats ?? []),
    binarizer: BINARIZERS.indexOf(o.binarizer ?? "LocalAverage"),
    eanAddOnSymbol: EAN_ADD_ON_SYMBOLS.indexOf(o.eanAddOnSymbol ?? "Ignore"),
    textMode: TEXT_MODES.indexOf(o.textMode ?? "HRI"),
    characterSet: CHARACTER_SETS.indexOf(o.characterSet ?? "Unknown"),
  };
}

/**
 * @param {{ isValid: boolean, text: string, format: string, bytes: Uint8Array, symbologyIdentifier: string }} r
 * @returns {DecodedSymbol}
 */
function toSymbol(r) {
  return {
    text: r.text,
    format: r.format,
    bytes: new Uint8Array(r.bytes),
    isValid: r.isValid,
    symbologyIdentifier: r.symbologyIdentifier,
  };
}

/**
 * Decodes one gray (luminance) plane. mode "pixmap" copies the plane into wasm memory and calls the
 * module's readBarcodesFromPixmap (the same call readBarcodes makes after reducing RGBA to gray);
 * mode "rgba" expands to RGBA and uses the public readBarcodes(ImageData) path.
 * @param {ZXingReaderModule} mod
 * @param {{ data: Uint8Array, width: number, height: number }} frame
 * @param {ReaderOptions} options
 * @param {"pixmap" | "rgba"} mode
 * @returns {Promise<DecodedSymbol[]>}
 */
export async function decodeGray(mod, frame, options, mode) {
  const { data, width, height } = frame;
  if (data.byteLength !== width * height) {
    throw new Error(`gray plane is ${data.byteLength} bytes, expected ${width}x${height}`);
  }
  if (mode === "rgba") {
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0, j = 0; i < data.length; i++, j += 4) {
      const v = data[i] ?? 0;
      rgba[j] = v;
      rgba[j + 1] = v;
      rgba[j + 2] = v;
      rgba[j + 3] = 255;
    }
    // An ImageData-shaped object (Node has no ImageData class).
    const image = /** @type {Parameters<typeof readBarcodes>[0]} */ (/** @type {unknown} */ ({ data: rgba, width, height, colorSpace: "srgb" }));
    const results = await readBarcodes(image, options);
    return results.map(toSymbol);
  }
  const em = /** @type {PixmapModule} */ (/** @type {unknown} */ (mod));
  const ptr = em._malloc(data.byteLength);
  if (!ptr) throw new Error(`wasm malloc of ${data.byteLength} bytes failed`);
  /** @type {EmVector | undefined} */
  let vec;
  try {
    em.HEAPU8.set(data, ptr);
    vec = em.readBarcodesFromPixmap(ptr, width, height, toZXingOptions(options));
    /** @type {DecodedSymbol[]} */
    const out = [];
    for (let i = 0; i < vec.size(); i++) out.push(toSymbol(/** @type {Parameters<typeof toSymbol>[0]} */ (vec.get(i))));
    return out;
  } finally {
    em._free(ptr);
    if (vec && typeof vec.delete === "function") vec.delete();
  }
}

/**
 * Decodes an encoded image (PNG, JPEG, ...) with zxing-wasm's own image loader.
 * @param {Uint8Array} bytes
 * @param {ReaderOptions} options
 * @returns {Promise<DecodedSymbol[]>}
 */
export async function decodeImage(bytes, options) {
  // readBarcodes uses whatever module was prepared last: make sure it is the local .wasm, never the CDN default.
  await loadReader(preparedPath);
  const results = await readBarcodes(bytes, options);
  return results.map(toSymbol);
}

/**
 * @param {ZXingReaderModule} mod
 * @param {DecodeInput} input
 * @param {ReaderOptions} options
 * @param {"pixmap" | "rgba"} mode
 */
export async function decodeInput(mod, input, options, mode) {
  return input.kind === "gray" ? decodeGray(mod, input, options, mode) : decodeImage(input.bytes, options);
}

// Worker protocol: { type: "init", wasmPath?, mode } -> { type: "ready" } | { type: "fatal", message };
// { type: "decode", id, input, options } -> { type: "result", id, symbols, decodeMs } | { type: "error", id, message }.
if (!isMainThread && parentPort) {
  const port = parentPort;
  /** @type {ZXingReaderModule | undefined} */
  let mod;
  /** @type {"pixmap" | "rgba"} */
  let mode = "pixmap";
  port.on("message", (/** @type {{ type: string, id: number, mode?: string, wasmPath?: string, input: DecodeInput, options: ReaderOptions }} */ msg) => {
    if (msg.type === "init") {
      mode = msg.mode === "rgba" ? "rgba" : "pixmap";
      loadReader(msg.wasmPath ?? undefined).then(
        (m) => {
          mod = m;
          port.postMessage({ type: "ready", wasmPath: msg.wasmPath ?? readerWasmPath() });
        },
        (err) => port.postMessage({ type: "fatal", message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    if (msg.type === "decode") {
      const started = performance.now();
      if (!mod) {
        port.postMessage({ type: "error", id: msg.id, message: "decoder not initialised" });
        return;
      }
      decodeInput(mod, msg.input, msg.options, mode).then(
        (symbols) => port.postMessage({ type: "result", id: msg.id, symbols, decodeMs: performance.now() - started }),
        (err) => port.postMessage({ type: "error", id: msg.id, message: err instanceof Error ? err.message : String(err) }),
      );
    }
  });
}
