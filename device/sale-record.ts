// How the kiosk keeps a sale's priced receipt on disk: the lines as rows of values under one key list (30 lines x 22 keys
// written once, not 30 times), deflated; and how it reads that back, or the plain JSON that kiosks before migration 6 wrote.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { PricedCart } from "../protocol/rules/pricing-types.js";

/** First byte of a stored receipt: the compact form, deflated (raw deflate, level 1). */
const COMPACT_DEFLATED = 1;

/** What the compact form holds: the receipt with `lines` replaced by [key list, rows...]. */
type CompactCart = Omit<PricedCart, "lines"> & { lines: [string[], ...unknown[]] };

/**
 * A line whose keys are the key list, in its order, with no undefined value, is stored as its values;
 * any other line (a scale line among plain ones, say) is stored as it is. Either way JSON gives back
 * exactly what JSON.stringify(priced) would have.
 */
function compactLines(lines: PricedCart["lines"]): [string[], ...unknown[]] {
  const first = lines[0];
  const keys = first ? Object.keys(first) : [];
  const out: [string[], ...unknown[]] = [keys];
  for (const line of lines) {
    const record = line as unknown as Record<string, unknown>;
    const row: unknown[] = [];
    let regular = true;
    let i = 0;
    for (const k in record) {
      const v = record[k];
      if (k !== keys[i] || v === undefined) {
        regular = false;
        break;
      }
      row.push(v);
      i++;
    }
    out.push(regular && i === keys.length ? row : line);
  }
  return out;
}

/** The priced receipt as the kiosk stores it (about 2 KB for 30 lines, against 16 KB of JSON). */
export function encodePricedCart(priced: PricedCart): Uint8Array {
  const compact: CompactCart = { ...priced, lines: compactLines(priced.lines) };
  const deflated = deflateRawSync(JSON.stringify(compact), { level: 1 });
  const out = new Uint8Array(deflated.length + 1);
  out[0] = COMPACT_DEFLATED;
  out.set(deflated, 1);
  return out;
}

/** Reads a stored receipt: the compact form (a blob), or the JSON text older kiosks wrote. */
export function decodePricedCart(stored: string | Uint8Array): PricedCart {
  if (typeof stored === "string") return JSON.parse(stored) as PricedCart;
  if (stored[0] !== COMPACT_DEFLATED) throw new Error(`unknown stored receipt format ${String(stored[0])}`);
  const compact = JSON.parse(inflateRawSync(stored.subarray(1)).toString("utf8")) as CompactCart;
  const [keys, ...rows] = compact.lines;
  const lines = rows.map((row) => {
    if (!Array.isArray(row)) return row;
    const line: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) line[keys[i] as string] = row[i];
    return line;
  });
  return { ...compact, lines } as unknown as PricedCart;
}
