// Test and bench helper: renders barcodes with zxing-wasm's writer (loaded from node_modules) and turns images into gray planes with ffmpeg.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { prepareZXingModule, writeBarcode, type WriterOptions } from "zxing-wasm/writer";

const run = promisify(execFile);
let writerReady: Promise<unknown> | undefined;

function loadWriter(): Promise<unknown> {
  if (!writerReady) {
    const require = createRequire(import.meta.url);
    const bytes = readFileSync(require.resolve("zxing-wasm/writer/zxing_writer.wasm"));
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    writerReady = prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
  }
  return writerReady;
}

/** PNG bytes of a barcode ("QRCode", "EAN13", "Code128", ...). */
export async function renderBarcodePng(text: string, format: NonNullable<WriterOptions["format"]>, scale = 4): Promise<Uint8Array> {
  await loadWriter();
  const out = await writeBarcode(text, { format, scale, addQuietZones: true });
  if (out.error || !out.image) throw new Error(`cannot render ${format} ${text}: ${out.error}`);
  return new Uint8Array(await out.image.arrayBuffer());
}

/** Width and height from a PNG's IHDR chunk; undefined for anything else. */
export function pngSize(path: string): { width: number; height: number } | undefined {
  const b = readFileSync(path);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString("latin1", 12, 16) !== "IHDR") return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Image dimensions via ffprobe. */
export async function probeSize(path: string): Promise<{ width: number; height: number }> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path]);
  const [w, h] = stdout.trim().split(",").map(Number);
  if (!w || !h) throw new Error(`ffprobe could not size ${path}`);
  return { width: w, height: h };
}

/** Decodes an image file to a packed gray plane with ffmpeg (the same conversion the webcam path uses). */
export async function imageToGray(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { width, height } = await probeSize(path);
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"], {
    encoding: "buffer",
    maxBuffer: 64 * 1024 * 1024,
  });
  const data = new Uint8Array(stdout);
  if (data.byteLength !== width * height) throw new Error(`ffmpeg gave ${data.byteLength} bytes for ${width}x${height}`);
  return { data, width, height };
}

/**
 * Many images to gray planes with one ffmpeg process (N inputs, N raw outputs): process start-up,
 * not conversion, is what costs when converting the 124 fixture photos one by one.
 */
export async function imagesToGray(paths: readonly string[], batch = 40): Promise<{ data: Uint8Array; width: number; height: number }[]> {
  const out: { data: Uint8Array; width: number; height: number }[] = [];
  for (let start = 0; start < paths.length; start += batch) {
    const chunk = paths.slice(start, start + batch);
    const dir = mkdtempSync(join(tmpdir(), "gray-"));
    try {
      const sizes = await Promise.all(chunk.map((p) => pngSize(p) ?? probeSize(p)));
      const args = ["-v", "error", "-y"];
      for (const p of chunk) args.push("-i", p);
      for (let i = 0; i < chunk.length; i++) args.push("-map", `${i}:v:0`, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", join(dir, `${i}.gray`));
      await run("ffmpeg", args, { maxBuffer: 1 << 24 });
      chunk.forEach((p, i) => {
        const size = sizes[i];
        const data = new Uint8Array(readFileSync(join(dir, `${i}.gray`)));
        if (!size || data.byteLength !== size.width * size.height) throw new Error(`ffmpeg gave ${data.byteLength} bytes for ${p}`);
        out.push({ data, ...size });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** A fake but well-formed member live code text (the signature is not checked by the scanner). */
export function sampleMemberCode(cardId = "C0001", unixSeconds = 1_767_225_600): string {
  return `MC1.${cardId}.${unixSeconds}.${"A".repeat(86)}`;
}
