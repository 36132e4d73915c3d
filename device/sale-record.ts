// How the kiosk keeps a sale's priced receipt and tender plan on disk: their lines as rows of values under one key list
// (protocol/compact-lines.ts, as the hub stores them), the receipt deflated; and how it reads a sale row back, or the plain JSON older kiosks wrote.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import type { MemberRecord } from "../protocol/messages.js";
import { compactLines, expandLines, pricedCartOfText, pricedCartText, type CompactLines } from "../protocol/compact-lines.js";

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

/** The priced receipt as the kiosk stores it (about 2 KB for 30 lines, against 16 KB of JSON). */
export function encodePricedCart(priced: PricedCart): Uint8Array {
  const deflated = deflateRawSync(pricedCartText(priced), { level: 1 });
  const out = new Uint8Array(deflated.length + 1);
  out[0] = COMPACT_DEFLATED;
  out.set(deflated, 1);
  return out;
}

/** Reads a stored receipt: the compact form (a blob), or the JSON text older kiosks wrote. */
export function decodePricedCart(stored: string | Uint8Array): PricedCart {
  if (typeof stored === "string") return JSON.parse(stored) as PricedCart;
  if (stored[0] !== COMPACT_DEFLATED) throw new Error(`unknown stored receipt format ${String(stored[0])}`);
  return pricedCartOfText(inflateRawSync(stored.subarray(1)).toString("utf8"));
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
