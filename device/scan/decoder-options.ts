// The kiosk's tuned zxing-wasm reader options: a fast pass for every frame and a thorough pass for idle frames.
import type { ReaderOptions } from "zxing-wasm/reader";
import type { DecodePass } from "./types.js";
import { storeFormats } from "./types.js";

export type StoreFormat = (typeof storeFormats)[number];

/**
 * Fast pass, run on every frame. Measured on the 124 fixture photos (bench/scan-decode.bench.ts):
 * restricting formats to the store's five and turning off rotation/inversion is what buys the speed;
 * downscaling stays on (it finds large, close-up codes in 640x480 frames cheaply).
 * textMode "Plain": member codes are ASCII and must not be rewritten (HRI rewrites GS1 and control
 * characters).
 */
export function fastOptions(formats: readonly StoreFormat[] = storeFormats): ReaderOptions {
  return {
    formats: [...formats],
    tryHarder: false,
    tryRotate: false,
    tryInvert: false,
    tryDownscale: true,
    tryDenoise: false,
    binarizer: "LocalAverage",
    maxNumberOfSymbols: 1,
    minLineCount: 2,
    textMode: "Plain",
    eanAddOnSymbol: "Ignore",
    returnErrors: false,
  };
}

/**
 * Thorough pass, run on the newest frame when nothing has been found for a while: tryHarder and
 * rotation (a phone held sideways, a can lying down), still restricted to the store's formats.
 */
export function thoroughOptions(formats: readonly StoreFormat[] = storeFormats): ReaderOptions {
  return {
    ...fastOptions(formats),
    tryHarder: true,
    tryRotate: true,
    tryInvert: true,
    tryDownscale: true,
  };
}

export function optionsForPass(pass: DecodePass, formats: readonly StoreFormat[] = storeFormats): ReaderOptions {
  return pass === "fast" ? fastOptions(formats) : thoroughOptions(formats);
}
