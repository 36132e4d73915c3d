// Weighed and loose goods: in-store scale labels (EAN-13 with a store prefix carrying a PLU and a price or a weight) and PLU picks, priced by the member rules.
import { z } from "zod";
import type { Channel, Product, RulesConfig } from "./config.js";
import { hasValidGtinCheckDigit } from "./config-common.js";
import { mulDiv } from "./money.js";
import { RulesError } from "./errors.js";
import type { PriceSource, PricingIdentity } from "./unit-price.js";
import { memberLinePrice } from "./unit-price.js";

/**
 * How the store's scales print their labels (Chinese supermarket scales print EAN-13 as
 * `<prefix><PLU><value><check>`, e.g. `2 12345 001580 C`: prefix 2, PLU 12345, ¥15.80).
 * prefix + pluDigits + valueDigits + 1 check digit = 13; with `priceCheckDigit` a price check digit (GS1's
 * price/weight verifier over a 4- or 5-digit value) sits between the PLU and the value:
 * `<prefix><PLU><pcd><value><check>`, and prefix + pluDigits + 1 + valueDigits + 1 = 13.
 */
export const ScaleLabelConfigSchema = z
  .strictObject({
    /** Leading digits that mark an in-store label (GS1 keeps 20-29 for in-store use). */
    prefix: z
      .string()
      .regex(/^2\d?$/)
      .default("2"),
    pluDigits: z.number().int().min(4).max(6).default(5),
    valueDigits: z.number().int().min(4).max(6).default(6),
    /** What the value digits carry: the price in fen, or the weight in grams. */
    value: z.enum(["price", "weight"]).default("price"),
    /** The label carries a price check digit before the value (only with 4 or 5 value digits). */
    priceCheckDigit: z.boolean().default(false),
    /** PLU (as printed, leading zeros kept) -> catalog sku; the product's priceFen is per kg for weighed goods. */
    plus: z.record(z.string().regex(/^\d{4,6}$/), z.string().min(1)).default({}),
    /** Loose items without a label the kiosk may offer in a short pick list (skus), where the store allows it. */
    pickList: z.array(z.string().min(1)).max(24).default([]),
  })
  .refine((c) => c.prefix.length + c.pluDigits + (c.priceCheckDigit ? 1 : 0) + c.valueDigits + 1 === 13, {
    message: "prefix + PLU + price check digit (if any) + value digits + check digit must be 13",
  })
  .refine((c) => !c.priceCheckDigit || c.valueDigits === 4 || c.valueDigits === 5, { message: "a price check digit needs 4 or 5 value digits" });
export type ScaleLabelConfig = z.output<typeof ScaleLabelConfigSchema>;

export interface ScaleLabel {
  plu: string;
  sku: string;
  /** The price printed on the label (fen), for price labels. */
  labelPriceFen?: number;
  /** The weight on the label (grams), for weight labels. */
  weightG?: number;
}

export type ScaleLabelRefusal = "not-a-scale-label" | "bad-check-digit" | "bad-price-check-digit" | "unknown-plu" | "zero-value";

// GS1 weighting factors of the price check digit, as tables of digit -> product digit.
const W2MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const W3 = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const W5PLUS = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
const W5MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
const at = (table: readonly number[], d: string): number => table[Number(d)] ?? 0;

/**
 * The GS1 price check digit of a 4- or 5-digit price or weight field (General Specifications 7.9.3):
 * 4 digits: weights 2-, 2-, 3, 5-, the sum times 3, its units digit; 5 digits: weights 5+, 2-, 5-, 5+, 2-,
 * the sum's complement to 10, and the digit whose 5- product is that complement.
 */
export function priceCheckDigit(value: string): number {
  if (/^\d{4}$/.test(value)) {
    const s = at(W2MINUS, value[0]!) + at(W2MINUS, value[1]!) + at(W3, value[2]!) + at(W5MINUS, value[3]!);
    return (s * 3) % 10;
  }
  if (/^\d{5}$/.test(value)) {
    const s = at(W5PLUS, value[0]!) + at(W2MINUS, value[1]!) + at(W5MINUS, value[2]!) + at(W5PLUS, value[3]!) + at(W2MINUS, value[4]!);
    return W5MINUS.indexOf((10 - (s % 10)) % 10);
  }
  throw new Error("a price check digit covers 4 or 5 digits");
}

/** Reads a scanned EAN-13 as a scale label; a refusal says why not (a normal product barcode is "not-a-scale-label"). */
export function parseScaleLabel(text: string, cfg: ScaleLabelConfig): { ok: true; label: ScaleLabel } | { ok: false; reason: ScaleLabelRefusal } {
  if (!/^\d{13}$/.test(text) || !text.startsWith(cfg.prefix)) return { ok: false, reason: "not-a-scale-label" };
  if (!hasValidGtinCheckDigit(text)) return { ok: false, reason: "bad-check-digit" };
  const plu = text.slice(cfg.prefix.length, cfg.prefix.length + cfg.pluDigits);
  const valueText = text.slice(12 - cfg.valueDigits, 12);
  if (cfg.priceCheckDigit && Number(text[11 - cfg.valueDigits]) !== priceCheckDigit(valueText)) return { ok: false, reason: "bad-price-check-digit" };
  const value = Number(valueText);
  const sku = cfg.plus[plu];
  if (sku === undefined) return { ok: false, reason: "unknown-plu" };
  if (value <= 0) return { ok: false, reason: "zero-value" };
  return { ok: true, label: cfg.value === "price" ? { plu, sku, labelPriceFen: value } : { plu, sku, weightG: value } };
}

export interface ScaleLinePrice {
  sku: string;
  /** Kilograms for a weight label (3 decimals), 1 for a price label. */
  qty: number;
  /** List amount of the line: the label's price, or the per-kg price times the weight. */
  lineBaseFen: number;
  /** After member / class / PLUS / level pricing, in the same proportion as a 1 kg unit. */
  lineMemberFen: number;
  memberSavingsFen: number;
  /** List and member price of the unit the label is priced from: per kg for a weight label, the product's price for a price label. */
  unitPriceFen: number;
  memberUnitPriceFen: number;
  source: PriceSource;
  /** Whether the line earns points: scale items have no product barcode (points.options.noBarcodeItemsEarn). */
  earnsPoints: boolean;
}

/**
 * Prices a scale label by the rules: the member's price for 1 kg (or for the product's list price)
 * from memberLinePrice, applied to the weight or in proportion to the label's price, rounded with the
 * config's rounding mode. The label's price is the list amount (the scale used the list price).
 */
export function priceScaleLabel(config: RulesConfig, label: ScaleLabel, who: PricingIdentity, channel: Channel): ScaleLinePrice {
  const product: Product | undefined = config.catalog.find((p) => p.sku === label.sku);
  if (!product) throw new Error(`scale label PLU ${label.plu} names an unknown sku ${label.sku}`);
  const unitPrice = memberLinePrice(product, 1, who, channel, config);
  const unit = unitPrice.unitFen;
  const mode = config.rounding.mode;
  let base: number;
  let member: number;
  let qty: number;
  if (label.weightG !== undefined) {
    base = mulDiv(product.priceFen, label.weightG, 1000, mode);
    member = mulDiv(unit, label.weightG, 1000, mode);
    qty = label.weightG / 1000;
  } else {
    base = label.labelPriceFen ?? 0;
    member = product.priceFen > 0 ? mulDiv(base, unit, product.priceFen, mode) : base;
    qty = 1;
  }
  member = Math.min(member, base);
  return {
    sku: product.sku,
    qty,
    lineBaseFen: base,
    lineMemberFen: member,
    memberSavingsFen: base - member,
    unitPriceFen: product.priceFen,
    memberUnitPriceFen: unit,
    source: member < base ? unitPrice.source : "base",
    earnsPoints: config.points.options.noBarcodeItemsEarn,
  };
}

const REFUSAL_WORDS: Record<ScaleLabelRefusal, string> = {
  "not-a-scale-label": "not an in-store scale label",
  "bad-check-digit": "the label's check digit is wrong (misread or damaged label)",
  "bad-price-check-digit": "the label's price check digit is wrong (misread or damaged label)",
  "unknown-plu": "the label's PLU is not in the store's scale list",
  "zero-value": "the label carries no price or weight",
};

/** A cart line's scale label read and priced for priceCart; a label the config cannot read is a RulesError naming the line. */
export function priceScaleLine(
  config: RulesConfig,
  text: string,
  who: PricingIdentity,
  channel: Channel,
  field: string,
): { label: ScaleLabel; price: ScaleLinePrice; product: Product } {
  if (!config.scaleLabels) throw new RulesError("RULES_INVALID_INPUT", "this config has no scale labels", field);
  const r = parseScaleLabel(text, config.scaleLabels);
  if (!r.ok) throw new RulesError(r.reason === "unknown-plu" ? "RULES_UNKNOWN_PRODUCT" : "RULES_INVALID_INPUT", REFUSAL_WORDS[r.reason], field);
  const product = config.catalog.find((p) => p.sku === r.label.sku);
  if (!product) throw new RulesError("RULES_UNKNOWN_PRODUCT", `no product with sku '${r.label.sku}' in the catalog`, field);
  return { label: r.label, price: priceScaleLabel(config, r.label, who, channel), product };
}
