// Bench fixtures at real size: a deterministic (seeded) N-item catalog merged into the full example rules, and 30-line carts on it.
import { readFileSync } from "node:fs";
import type { RulesConfigInput } from "../protocol/rules/config.js";
import type { CartLine } from "../protocol/rules/pricing-types.js";

/** The example rules (10 products, levels, coupons, points) that the big catalog extends. */
export function exampleRules(): RulesConfigInput & { catalog: NonNullable<RulesConfigInput["catalog"]> } {
  const raw = JSON.parse(readFileSync(new URL("../protocol/rules/examples/full-config.json", import.meta.url), "utf8")) as RulesConfigInput;
  return { ...raw, catalog: raw.catalog ?? [] };
}

/** mulberry32: a small seeded PRNG, so every run builds the same catalog. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid EAN-13 for a 12-digit body. */
export function ean13(body12: string): string {
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(body12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${body12}${(10 - (s % 10)) % 10}`;
}

const CATEGORY_NAMES = [
  "grocery",
  "dairy",
  "produce",
  "baby-care",
  "appliances",
  "gifts",
  "snacks",
  "drinks",
  "frozen",
  "household",
  "personal-care",
  "bakery",
];
const WORDS = [
  "大米",
  "牛奶",
  "酸奶",
  "饼干",
  "果汁",
  "洗衣液",
  "纸巾",
  "面包",
  "鸡蛋",
  "食用油",
  "茶叶",
  "咖啡",
  "Rice",
  "Milk",
  "Snack",
  "Juice",
  "Soap",
  "Tissue",
];

type ProductInput = NonNullable<RulesConfigInput["catalog"]>[number];

/**
 * `total` products: the example's own 10 first, then generated ones (EAN-13 barcodes, ~200 categories
 * plus the example's, brands, member prices on ~30 %, class prices on ~5 %, promotional ~5 %).
 */
export function bigCatalog(total: number, seed = 21): ProductInput[] {
  const base = exampleRules().catalog;
  const rnd = seeded(seed);
  const out: ProductInput[] = [...base];
  for (let i = out.length; i < total; i++) {
    const priceFen = 100 + Math.floor(rnd() * 50_000);
    const cat = rnd() < 0.4 ? (CATEGORY_NAMES[Math.floor(rnd() * CATEGORY_NAMES.length)] ?? "grocery") : `cat-${Math.floor(rnd() * 200)}`;
    const p: ProductInput = {
      sku: `p-${String(i).padStart(6, "0")}`,
      barcode: ean13(`69${String(i).padStart(10, "0")}`),
      name: `${WORDS[Math.floor(rnd() * WORDS.length)] ?? "Item"} ${i}`,
      category: cat,
      priceFen,
    };
    if (rnd() < 0.5) p.brand = `brand-${Math.floor(rnd() * 500)}`;
    if (rnd() < 0.3) p.memberPriceFen = Math.floor(priceFen * 0.9);
    if (rnd() < 0.05) p.classPricesFen = { "vip-gold": Math.floor(priceFen * 0.88), "vip-diamond": Math.floor(priceFen * 0.85) };
    if (rnd() < 0.05) p.promotional = true;
    out.push(p);
  }
  return out;
}

/** The example rules with `total` products (total <= 10 keeps the example's catalog). */
export function bigRules(total: number, seed = 21): RulesConfigInput {
  const rules = exampleRules();
  return { ...rules, catalog: total <= rules.catalog.length ? rules.catalog : bigCatalog(total, seed) };
}

/**
 * The benchmark cart: 30 lines over the example's 10 products (so the 3 coupons apply), one cart that
 * prices the same on the 10-item and on the big catalog.
 */
export function exampleCart(): CartLine[] {
  const skus = exampleRules().catalog.map((p) => p.sku);
  return Array.from({ length: 30 }, (_, i) => ({ sku: skus[(i * 7) % skus.length] ?? "rice-5kg", qty: 1 + (i % 4) }));
}

/** 30 lines spread over the whole big catalog (3 of them the example's milk, rice and diapers for the coupons). */
export function spreadCart(catalog: readonly ProductInput[], seed = 7): CartLine[] {
  const rnd = seeded(seed);
  const lines: CartLine[] = [
    { sku: "milk-1l", qty: 1 },
    { sku: "rice-5kg", qty: 2 },
    { sku: "diapers-l52", qty: 1 },
  ];
  while (lines.length < 30) {
    const p = catalog[Math.floor(rnd() * catalog.length)];
    if (p)
      lines.push(
        lines.length % 2 === 0 && p.barcode !== undefined ? { barcode: p.barcode, qty: 1 + (lines.length % 3) } : { sku: p.sku, qty: 1 + (lines.length % 3) },
      );
  }
  return lines;
}
