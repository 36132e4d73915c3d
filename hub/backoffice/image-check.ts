// Headshot uploads are parsed, not sniffed: PNG signature + IHDR (and IEND at the end), JPEG markers up to a SOF frame header (and EOI at the end), with sane dimensions.
//
// Magic bytes alone let any file through with a JPEG or PNG prefix (HTML, SVG, a polyglot). Here
// the declared type must match the structure, the image must be complete (not truncated) and its
// size must be that of a portrait: 32 to 4096 pixels a side.
import { HubError } from "../errors.js";

export const IMAGE_MIN_SIDE = 32;
export const IMAGE_MAX_SIDE = 4096;

export interface ImageInfo {
  mime: "image/jpeg" | "image/png";
  width: number;
  height: number;
}

const bad = (why: string): HubError =>
  new HubError(
    "INVALID_INPUT",
    `头像图片无效：${why}。请上传完整的 JPEG 或 PNG 照片。The headshot is not a valid image: ${why}; upload a complete JPEG or PNG photo.`,
    { reason: "IMAGE_INVALID" },
  );

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
}
function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) + b[i + 1]!;
}

function png(b: Uint8Array): { width: number; height: number } {
  if (b.length < 8 + 25 + 12 || !PNG_SIGNATURE.every((x, i) => b[i] === x)) throw bad("not a PNG file");
  // The first chunk must be IHDR, 13 bytes: width, height, bit depth, colour type, compression, filter, interlace.
  if (u32(b, 8) !== 13 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== "IHDR") throw bad("PNG without an IHDR header");
  const width = u32(b, 16);
  const height = u32(b, 20);
  const depth = b[24]!;
  const colour = b[25]!;
  const allowed: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!allowed[colour]?.includes(depth) || b[26] !== 0 || b[27] !== 0 || b[28]! > 1) throw bad("PNG header with impossible values");
  // Complete: the last chunk is IEND (length 0, type IEND, its CRC).
  const end = b.length - 12;
  if (u32(b, end) !== 0 || String.fromCharCode(b[end + 4]!, b[end + 5]!, b[end + 6]!, b[end + 7]!) !== "IEND") throw bad("PNG is truncated (no IEND)");
  return { width, height };
}

function jpeg(b: Uint8Array): { width: number; height: number } {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw bad("not a JPEG file");
  if (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) throw bad("JPEG is truncated (no end-of-image marker)");
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw bad("JPEG marker structure is broken");
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01)
      throw bad("JPEG has no frame header before its image data");
    const length = u16(b, i + 2);
    if (length < 2 || i + 2 + length > b.length) throw bad("JPEG segment runs past the end");
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8) throw bad("JPEG frame header is too short");
      return { height: u16(b, i + 5), width: u16(b, i + 7) };
    }
    if (marker === 0xda) throw bad("JPEG has no frame header before its image data");
    i += 2 + length;
  }
  throw bad("JPEG has no frame header");
}

/** The image's real type and size; throws INVALID_INPUT (reason IMAGE_INVALID) unless it is a complete JPEG/PNG of `declared` type and portrait size. */
export function checkImage(bytes: Uint8Array, declared: string): ImageInfo {
  const isPng = bytes[0] === 0x89;
  const mime = isPng ? "image/png" : "image/jpeg";
  if (mime !== declared) throw bad(`the content is ${isPng ? "PNG" : "not PNG"} but was sent as ${declared}`);
  const { width, height } = isPng ? png(bytes) : jpeg(bytes);
  for (const [side, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (v < IMAGE_MIN_SIDE || v > IMAGE_MAX_SIDE) throw bad(`${side} ${v} px is outside ${IMAGE_MIN_SIDE}-${IMAGE_MAX_SIDE} px`);
  }
  return { mime, width, height };
}
