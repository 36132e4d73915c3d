// How the kiosk keeps a sale's priced receipt and tender plan on disk: their lines as rows of values under one key list
// (30 lines x 22 keys written once, not 30 times), the receipt deflated; and how it reads a sale row back, or the plain JSON older kiosks wrote.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import type { MemberRecord } from "../protocol/messages.js";

/** What the kiosk kept of one of its sales: enough to reverse any part of it exactly. */
export interface StoredSale {
  saleId: string;
  seq: number;
  memberId: string;
  cardId: string;
  at: number;
  priced: PricedCart;
  tenders: TenderPlan;
  /** The coupon instances the sale used, as the member held them. */
  coupons: Array<MemberRecord["coupons"][number]>;
}

/** A row of sale_records, or of sales (kiosks before migration 6: the receipt and plan as plain JSON). */
export interface SaleRow {
  sale_id: string;
  seq: number;
  member_id: string;
  card_id: string;
  at: number;
  priced: string | Uint8Array;
  tenders: string;
  coupons: string;
}

export function storedSaleOf(r: SaleRow): StoredSale {
  return {
    saleId: r.sale_id,
    seq: r.seq,
    memberId: r.member_id,
    cardId: r.card_id,
    at: r.at,
    priced: decodePricedCart(r.priced),
    tenders: decodeTenderPlan(r.tenders),
    coupons: JSON.parse(r.coupons) as StoredSale["coupons"],
  };
}

/** First byte of a stored receipt: the compact form, deflated (raw deflate, level 1). */
const COMPACT_DEFLATED = 1;

/** First element of a stored tender plan in its compact form (a JSON array; the plain form is an object). */
const COMPACT_TENDERS = 1;

/** Lines as [key list, rows...]. */
type CompactLines = [string[], ...unknown[]];
/** What the compact form holds: the receipt with `lines` replaced by [key list, rows...]. */
type CompactCart = Omit<PricedCart, "lines"> & { lines: CompactLines };

/**
 * A line whose keys are the key list, in its order, with no undefined value, is stored as its values;
 * any other line (a scale line among plain ones, say) is stored as it is. Either way JSON gives back
 * exactly what JSON.stringify(priced) would have.
 */
function compactLines(lines: readonly object[]): CompactLines {
  const first = lines[0];
  const keys = first ? Object.keys(first) : [];
  const out: CompactLines = [keys];
  for (const line of lines) {
    const record = line as Record<string, unknown>;
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
  return { ...compact, lines: expandLines(compact.lines) } as unknown as PricedCart;
}

function expandLines(compact: CompactLines): unknown[] {
  const [keys, ...rows] = compact;
  return rows.map((row) => {
    if (!Array.isArray(row)) return row;
    const line: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) line[keys[i] as string] = row[i];
    return line;
  });
}

/** The tender plan as the kiosk stores it: JSON with its per-line split as rows (about 600 B for 30 lines, against 2 KB), not deflated (it is small). */
export function encodeTenderPlan(tenders: TenderPlan): string {
  return JSON.stringify([COMPACT_TENDERS, { ...tenders, lines: compactLines(tenders.lines) }]);
}

/** Reads a stored tender plan: the compact form, or the plain JSON object older kiosks wrote. */
export function decodeTenderPlan(stored: string): TenderPlan {
  const parsed = JSON.parse(stored) as TenderPlan | [number, Omit<TenderPlan, "lines"> & { lines: CompactLines }];
  if (!Array.isArray(parsed)) return parsed;
  if (parsed[0] !== COMPACT_TENDERS) throw new Error(`unknown stored tender plan format ${String(parsed[0])}`);
  return { ...parsed[1], lines: expandLines(parsed[1].lines) } as TenderPlan;
}
