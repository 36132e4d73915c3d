// Catalog look-up and the member unit price of a line: base, member, card-class, PLUS, level and class discounts.
import type { CardClass, Channel, Level, Product, RulesConfig } from "./config.js";
import { RulesError } from "./errors.js";
import { divRound } from "./money.js";

export type PriceSource = "base" | "member" | "class" | "plus" | "class-discount" | "level-discount";

/** What decides a member's prices: resolved once per cart. */
export interface PricingIdentity {
  isMember: boolean;
  isPlus: boolean;
  level: Level | undefined;
  /** The card class in force (a VIP class only while its VIP has not expired). */
  cardClass: CardClass | undefined;
}

export interface LinePrice {
  unitFen: number;
  lineFen: number;
  source: PriceSource;
}

/** Index of a catalog by sku and by barcode, built once per config. */
export interface CatalogIndex {
  bySku: Map<string, Product>;
  byBarcode: Map<string, Product>;
}

const indexCache = new WeakMap<readonly Product[], CatalogIndex>();

export function catalogIndex(catalog: readonly Product[]): CatalogIndex {
  const hit = indexCache.get(catalog);
  if (hit) return hit;
  const idx: CatalogIndex = { bySku: new Map(), byBarcode: new Map() };
  for (const p of catalog) {
    idx.bySku.set(p.sku, p);
    if (p.barcode !== undefined) idx.byBarcode.set(p.barcode, p);
  }
  indexCache.set(catalog, idx);
  return idx;
}

export function findProduct(config: RulesConfig, ref: { sku?: string | undefined; barcode?: string | undefined }, field: string): Product {
  const idx = catalogIndex(config.catalog);
  const p = ref.sku !== undefined ? idx.bySku.get(ref.sku) : ref.barcode !== undefined ? idx.byBarcode.get(ref.barcode) : undefined;
  if (!p) {
    const what = ref.sku !== undefined ? `sku '${ref.sku}'` : `barcode '${ref.barcode ?? ""}'`;
    throw new RulesError("RULES_UNKNOWN_PRODUCT", `no product with ${what} in the catalog`, field);
  }
  return p;
}

/** Percent of the price a level pays on a category (100 when excluded or no discount). */
export function levelPayPercent(level: Level | undefined, category: string): number {
  if (!level) return 100;
  if (level.excludedCategories.includes(category)) return 100;
  return level.categoryDiscountPercent[category] ?? level.discountPercent;
}

/**
 * The member price of `qty` units of `product`.
 * PLUS members buying online pay the PLUS price when there is one (even if they are VIP).
 * Otherwise the lowest of: the base price, the card-class price, the member price, the card-class
 * percent and the level percent (percents skip promotional items unless configured). Ties keep
 * the earlier source in that list. Percent discounts never stack on fixed member prices.
 */
export function memberLinePrice(product: Product, qty: number, who: PricingIdentity, channel: Channel, config: RulesConfig): LinePrice {
  const base = product.priceFen;
  if (!who.isMember) return { unitFen: base, lineFen: base * qty, source: "base" };
  if (channel === "online" && who.isPlus && product.plusPriceFen !== undefined) {
    return { unitFen: product.plusPriceFen, lineFen: product.plusPriceFen * qty, source: "plus" };
  }
  // Plain locals and one result object: this runs for every line of every cart.
  let unitFen = base;
  let lineFen = base * qty;
  let source: PriceSource = "base";
  const classPrice = who.cardClass ? product.classPricesFen[who.cardClass.id] : undefined;
  if (classPrice !== undefined && classPrice * qty < lineFen) {
    unitFen = classPrice;
    lineFen = classPrice * qty;
    source = "class";
  }
  const memberPrice = product.memberPriceFen;
  if (memberPrice !== undefined && memberPrice * qty < lineFen) {
    unitFen = memberPrice;
    lineFen = memberPrice * qty;
    source = "member";
  }
  if (!product.promotional || config.pricing.percentDiscountOnPromotional) {
    const mode = config.rounding.mode;
    const byUnit = config.rounding.discountBasis === "unit";
    const classPct = who.cardClass?.discountPercent;
    if (classPct !== undefined && classPct < 100) {
      const u = divRound(base * classPct, 100, mode);
      const l = byUnit ? u * qty : divRound(base * qty * classPct, 100, mode);
      if (l < lineFen) {
        unitFen = u;
        lineFen = l;
        source = "class-discount";
      }
    }
    const levelPct = levelPayPercent(who.level, product.category);
    if (levelPct < 100) {
      const u = divRound(base * levelPct, 100, mode);
      const l = byUnit ? u * qty : divRound(base * qty * levelPct, 100, mode);
      if (l < lineFen) {
        unitFen = u;
        lineFen = l;
        source = "level-discount";
      }
    }
  }
  return { unitFen, lineFen, source };
}
