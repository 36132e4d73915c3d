// Classifies a decoded symbol as member code, product barcode or unknown (the one place that decides).
import { isMemberCodeText } from "../../protocol/member-code.js";
import type { ScanKind } from "./types.js";

/** zxing-wasm format names of the product barcodes the store uses. */
export const productFormats: ReadonlySet<string> = new Set(["EAN13", "EAN8", "UPCA", "Code128"]);

const digitsOnly = /^[0-9]+$/;
const expectedDigits: Record<string, number> = { EAN13: 13, EAN8: 8, UPCA: 12 };

/**
 * member: the live member code (text starts with "MC1."; the signature is checked later by checkout);
 * product: EAN-13 / EAN-8 / UPC-A with the right number of digits, or a printable Code 128;
 * unknown: anything else (a URL in a QR code, a Code 128 with control characters, ...).
 */
export function classifyScan(text: string, format: string): ScanKind {
  if (isMemberCodeText(text)) return "member";
  if (!productFormats.has(format)) return "unknown";
  const digits = expectedDigits[format];
  if (digits !== undefined) return digitsOnly.test(text) && text.length === digits ? "product" : "unknown";
  // Code 128: printable ASCII, 1..48 characters (GS1 FNC1 and control characters are not store codes).
  return /^[\x20-\x7e]{1,48}$/.test(text) ? "product" : "unknown";
}
