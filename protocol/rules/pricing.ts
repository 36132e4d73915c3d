// priceCart: a cart in, a priced receipt out (member prices, coupons, points as cash, cash rounding, points earned).
import type { CardClass, Channel, Product, RulesConfig } from "./config.js";
import { cardClassesById, levelsById } from "./config-index-fast.js";
import { applyCouponsTo } from "./coupons.js";
import { RulesError } from "./errors.js";
import { allocate, divRound, sum } from "./money.js";
import { redeemPoints } from "./points-cash.js";
import { earnPointsOf } from "./points.js";
import { parsePriceCartInput, parsePriceCartInputButLines } from "./pricing-request.js";
import type { CartLine, CartMember, LineAllocation, PriceCartInput, PricedCart, PricedLine } from "./pricing-types.js";
import { priceScaleLine } from "./scale-label.js";
import { localDate } from "./time.js";
import { catalogIndex, findProduct, memberLinePrice, type PriceSource, type PricingIdentity } from "./unit-price.js";

function findClass(config: RulesConfig, id: string | undefined, field: string): CardClass | undefined {
  if (id === undefined) return undefined;
  const c = cardClassesById(config).get(id);
  if (!c) throw new RulesError("RULES_UNKNOWN_CARD_CLASS", `no card class '${id}'`, field);
  return c;
}

/** The level and card class that set a member's prices at `at`. */
export function pricingIdentity(config: RulesConfig, member: CartMember | null | undefined, at: number): PricingIdentity {
  if (!member) return { isMember: false, isPlus: false, level: undefined, cardClass: undefined };
  let level: RulesConfig["levels"][number] | undefined;
  if (member.levelId !== undefined) {
    level = levelsById(config).get(member.levelId);
    if (!level) throw new RulesError("RULES_UNKNOWN_LEVEL", `no level '${member.levelId}'`, "member.levelId");
  }
  let cardClass = findClass(config, member.cardClass, "member.cardClass");
  if (cardClass?.vip === true && member.vipExpiresAt !== undefined && at >= member.vipExpiresAt) {
    cardClass = findClass(config, member.baseCardClass, "member.baseCardClass");
  }
  return { isMember: true, isPlus: member.isPlus ?? false, level, cardClass };
}

export interface PriceCartOptions {
  /** The lines passed PriceCartRequestSchema's line checks at the caller's boundary: check the rest of the request only. */
  linesChecked?: boolean;
}

/**
 * Prices a cart. Order of work: member unit prices per line; coupons (stacking policy, allocated to
 * lines by largest remainder); points as cash (allocated likewise); rounding of the amount to pay
 * down to `rounding.cashUnitFen` (allocated likewise); points earned on what each line costs.
 * Every amount is an integer number of fen; line amounts add up exactly to the totals.
 * The request is checked on every call; `linesChecked` skips the check of the lines only (the
 * caller checked them at its boundary), {@link priceCartTrusted} skips all of it.
 */
export function priceCart(input: PriceCartInput, options: PriceCartOptions = {}): PricedCart {
  const req = options.linesChecked === true ? parsePriceCartInputButLines(input) : undefined;
  return priceRequest(input.config, req ?? parsePriceCartInput(input));
}

/**
 * {@link priceCart} without checking the request: for a request that already passed
 * PriceCartRequestSchema at the boundary (e.g. parsePriceCartRequest, or built from data that did).
 * Defaults may be left out. For every request the schema accepts the result is the same as
 * priceCart's; for one it refuses, the result is undefined.
 */
export function priceCartTrusted(input: PriceCartInput): PricedCart {
  return priceRequest(input.config, input);
}

/** A request as the pricing reads it: a schema-valid request, defaults optional. */
interface CartRequest {
  member?: CartMember | null | undefined;
  lines: readonly CartLine[];
  channel: Channel;
  at: number;
  coupons?: readonly string[] | undefined;
  pointsToRedeem?: number | "max" | undefined;
}

type ScaleInfo = NonNullable<PricedLine["scale"]>;

function priceRequest(config: RulesConfig, req: CartRequest): PricedCart {
  const member = req.member ?? null;
  const channel = req.channel;
  const date = localDate(req.at, config.utcOffsetMinutes);
  const who = pricingIdentity(config, member, req.at);

  // Member unit prices, by line position (parallel arrays: no object per line until the receipt).
  const catalog = catalogIndex(config.catalog);
  const src = req.lines;
  const n = src.length;
  const products = new Array<Product>(n);
  const earnProducts = new Array<Product>(n);
  const qty = new Array<number>(n);
  const unitFen = new Array<number>(n);
  const lineFen = new Array<number>(n);
  const source = new Array<PriceSource>(n);
  const listUnitFen = new Array<number>(n);
  const campaign = new Array<CartLine["campaign"]>(n);
  let scales: (ScaleInfo | undefined)[] | null = null;
  for (let index = 0; index < n; index++) {
    const l = src[index] as CartLine;
    qty[index] = l.qty;
    campaign[index] = l.campaign;
    if (l.scaleLabel !== undefined) {
      // A scale label: one labelled pack priced from its price or weight, times the identical packs; points as an item without a barcode.
      const s = priceScaleLine(config, l.scaleLabel, who, channel, `lines.${index}.scaleLabel`);
      const { barcode: _barcode, ...earnProduct } = s.product;
      const scale: ScaleInfo = {
        label: l.scaleLabel,
        plu: s.label.plu,
        perUnitFen: s.price.unitPriceFen,
        memberPerUnitFen: s.price.memberUnitPriceFen,
      };
      if (s.label.weightG !== undefined) scale.weightG = s.label.weightG;
      if (s.label.labelPriceFen !== undefined) scale.labelPriceFen = s.label.labelPriceFen;
      products[index] = s.product;
      earnProducts[index] = earnProduct;
      unitFen[index] = s.price.lineMemberFen;
      lineFen[index] = s.price.lineMemberFen * l.qty;
      source[index] = s.price.source;
      listUnitFen[index] = s.price.lineBaseFen;
      scales ??= new Array<ScaleInfo | undefined>(n);
      scales[index] = scale;
      continue;
    }
    // The error (and its field name) only when the product is missing.
    const found = l.sku !== undefined ? catalog.bySku.get(l.sku) : l.barcode !== undefined ? catalog.byBarcode.get(l.barcode) : undefined;
    const product = found ?? findProduct(config, l, `lines.${index}.${l.sku !== undefined ? "sku" : "barcode"}`);
    const price = memberLinePrice(product, l.qty, who, channel, config);
    products[index] = product;
    earnProducts[index] = product;
    unitFen[index] = price.unitFen;
    lineFen[index] = price.lineFen;
    source[index] = price.source;
    listUnitFen[index] = product.priceFen;
  }

  // Coupons.
  const afterCoupons = lineFen.slice();
  const coupons = applyCouponsTo(
    req.coupons ?? [],
    { products, qty, memberUnitFen: unitFen, remaining: afterCoupons },
    {
      config,
      memberPresent: member !== null,
      held: member?.couponsHeld ?? [],
      birthday: member?.birthday,
      date,
      channel,
    },
  );
  const allocations = new Array<LineAllocation[]>(n);
  for (let i = 0; i < n; i++) allocations[i] = [];
  for (const g of coupons.grants) {
    const source = `coupon:${g.instanceId}`;
    for (let k = 0; k < g.lines.length; k++) {
      const fen = g.shares[k] as number;
      if (fen > 0) (allocations[g.lines[k] as number] as LineAllocation[]).push({ source, fen });
    }
  }
  const orderAfterCoupons = sum(afterCoupons);

  // Points as cash.
  const redemption =
    req.pointsToRedeem === undefined
      ? { used: 0, cashFen: 0, rejected: null }
      : redeemPoints(config, {
          requested: req.pointsToRedeem,
          balance: member?.pointsBalance,
          orderFen: orderAfterCoupons,
          date,
          channel,
          memberPresent: member !== null,
        });
  const cashShares = redemption.cashFen > 0 ? allocate(redemption.cashFen, afterCoupons) : null;
  const pointShares = redemption.used > 0 ? allocate(redemption.used, cashShares ?? new Array<number>(n).fill(0)) : null;

  // Cash rounding of what is left to pay.
  const leftToPay = cashShares === null ? afterCoupons : afterCoupons.map((r, i) => r - (cashShares[i] as number));
  const unit = config.rounding.cashUnitFen;
  const payable = sum(leftToPay);
  const roundingFen = payable - divRound(payable, unit, "floor") * unit;
  const roundShares = roundingFen > 0 ? allocate(roundingFen, leftToPay) : null;
  if (roundShares !== null)
    for (let i = 0; i < n; i++) {
      const fen = roundShares[i] as number;
      if (fen > 0) (allocations[i] as LineAllocation[]).push({ source: "cash-rounding", fen });
    }

  // Points earned on what each line costs.
  const onCash = config.points.options.earnOnPointsCash;
  const amountFen = new Array<number>(n);
  const memberPriced = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const lineTotal = (afterCoupons[i] as number) - (roundShares === null ? 0 : (roundShares[i] as number));
    amountFen[i] = onCash || cashShares === null ? lineTotal : lineTotal - (cashShares[i] as number);
    memberPriced[i] = source[i] !== "base";
  }
  const earned = earnPointsOf(
    { products: earnProducts, qty, amountFen, memberPriced, campaign },
    { config, memberPresent: member !== null, level: who.level, birthday: member?.birthday, date },
  );

  const lines = new Array<PricedLine>(n);
  let subtotalFen = 0;
  let memberSavingsFen = 0;
  let itemCount = 0;
  for (let i = 0; i < n; i++) {
    const product = products[i] as Product;
    const q = qty[i] as number;
    const lineAllocations = allocations[i] as LineAllocation[];
    let orderDiscountFen = 0;
    for (const a of lineAllocations) orderDiscountFen += a.fen;
    const memberFen = lineFen[i] as number;
    const lineBaseFen = (listUnitFen[i] as number) * q;
    const lineTotalFen = memberFen - orderDiscountFen;
    const pointsCashFen = cashShares === null ? 0 : (cashShares[i] as number);
    const lineSavingsFen = lineBaseFen - memberFen;
    const line: PricedLine = {
      index: i,
      sku: product.sku,
      barcode: product.barcode ?? null,
      name: product.name,
      category: product.category,
      qty: q,
      unitPriceFen: listUnitFen[i] as number,
      memberUnitPriceFen: unitFen[i] as number,
      priceSource: source[i] as PriceSource,
      lineBaseFen,
      lineMemberFen: memberFen,
      memberSavingsFen: lineSavingsFen,
      allocations: lineAllocations,
      orderDiscountFen,
      lineTotalFen,
      savingsFen: lineSavingsFen + orderDiscountFen,
      pointsCashFen,
      pointsRedeemed: pointShares === null ? 0 : (pointShares[i] as number),
      payableFen: lineTotalFen - pointsCashFen,
      pointsRule: earned.used[i] ?? "none",
      pointsEarned: earned.points[i] ?? 0,
      pointsReturnable: earned.returnable[i] ?? 0,
    };
    const scale = scales?.[i];
    if (scale) line.scale = scale;
    lines[i] = line;
    subtotalFen += lineBaseFen;
    memberSavingsFen += lineSavingsFen;
    itemCount += q;
  }

  let couponDiscountFen = 0;
  for (const c of coupons.applied) couponDiscountFen += c.discountFen;
  const discountFen = couponDiscountFen + roundingFen;
  const totalFen = subtotalFen - memberSavingsFen - discountFen;
  return {
    memberId: member?.id ?? null,
    channel,
    at: req.at,
    localDate: date,
    lines,
    appliedCoupons: coupons.applied,
    rejectedCoupons: coupons.rejected,
    pointsRedemption: {
      requested: req.pointsToRedeem ?? null,
      used: redemption.used,
      cashFen: redemption.cashFen,
      rejected: redemption.rejected,
    },
    pointsMultiplier: earned.multiplier,
    totals: {
      itemCount,
      subtotalFen,
      memberSavingsFen,
      couponDiscountFen,
      cashRoundingFen: roundingFen,
      discountFen,
      totalFen,
      savingsFen: memberSavingsFen + discountFen,
      pointsCashFen: redemption.cashFen,
      pointsRedeemed: redemption.used,
      payableFen: totalFen - redemption.cashFen,
      pointsEarned: earned.totalPoints,
      pointsReturnable: earned.totalReturnable,
    },
  };
}
