// Test and bench helper: the real barcode photographs in ../shared/fixtures/barcodes (manifest, expected texts, zxing-cpp minimums).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const manifestSchema = z.object({
  source: z.string(),
  images: z.array(
    z.object({
      image: z.string(),
      format: z.string(),
      folder: z.string(),
      expected_text_file: z.string(),
      sha256: z.string(),
    }),
  ),
  zxing_cpp_min_pass_rotation0: z.record(z.string(), z.object({ images: z.number(), fast: z.number(), tryHarder: z.number() })),
});

export interface FixtureImage {
  path: string;
  folder: string;
  /** Manifest format name ("QRCode", "EAN-13", "UPC-A", "Code128"). */
  format: string;
  /** zxing-wasm's canonical name for it. */
  zxingFormat: string;
  expectedBytes: Buffer;
}

export interface FixtureSet {
  root: string;
  images: FixtureImage[];
  minimums: Record<string, { images: number; fast: number; tryHarder: number }>;
}

const formatNames: Record<string, string> = { QRCode: "QRCode", "EAN-13": "EAN13", "EAN-8": "EAN8", "UPC-A": "UPCA", Code128: "Code128" };

/** The fixtures folder beside the checkout (FIXTURES_DIR overrides). */
export function fixturesRoot(): string {
  if (process.env.BARCODE_FIXTURES_DIR) return resolve(process.env.BARCODE_FIXTURES_DIR);
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  return resolve(repo, "../shared/fixtures/barcodes");
}

/** Loads the manifest; throws a clear error when the fixtures are absent (never a silent skip). */
export function loadFixtures(root = fixturesRoot()): FixtureSet {
  const manifestPath = join(root, "manifest.json");
  if (!existsSync(manifestPath)) {
    throw new Error(`barcode fixtures not found at ${root} (expected ../shared/fixtures/barcodes beside the checkout, or set BARCODE_FIXTURES_DIR)`);
  }
  const m = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, "utf8")));
  const images = m.images.map((i) => ({
    path: join(root, i.image),
    folder: i.folder,
    format: i.format,
    zxingFormat: formatNames[i.format] ?? i.format,
    expectedBytes: readFileSync(join(root, i.expected_text_file)),
  }));
  return { root, images, minimums: m.zxing_cpp_min_pass_rotation0 };
}

/**
 * A decode passes when the format matches and the text equals the expected file byte for byte.
 * zxing-cpp reports a UPC-A as EAN-13 (GTIN-13 with a leading 0) when EAN-13 is enabled too, and the
 * fixtures' expected texts are those 13 digits, so UPC-A accepts either name of the EAN/UPC family.
 */
export function matchesExpected(img: FixtureImage, symbols: readonly { format: string; text: string; isValid: boolean }[]): boolean {
  const formats = img.zxingFormat === "UPCA" ? ["UPCA", "EAN13"] : [img.zxingFormat];
  return symbols.some((s) => s.isValid && formats.includes(s.format) && Buffer.from(s.text, "utf8").equals(img.expectedBytes));
}
