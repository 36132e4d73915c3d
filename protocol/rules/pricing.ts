// priceCart: a cart in, a priced receipt out (member prices, coupons, points as cash, cash rounding, points earned).
import type { CardClass, RulesConfig } from "./config.js";
import { applyCoupons, type CouponLine } from "./coupons.js";
import { RulesError } from "./errors.js";
import { allocate, divRound, sum } from "./money.js";
import { redeemPoints } from "./points-cash.js";
import { earnPoints } from "./points.js";
import { parsePriceCartRequest } from "./pricing-request.js";
import type { CartMember, LineAllocation, PriceCartInput, PricedCart, PricedLine } from "./pricing-types.js";
import { priceScaleLine } from "./scale-label.js";
import { localDate } from "./time.js";
import { catalogIndex, findProduct, memberLinePrice, type PricingIdentity } from "./unit-price.js";

/** The level and card class that set a member's prices at `at`. */
export function pricingIdentity(config: RulesConfig, member: CartMember | null | undefined, at: number): PricingIdentity {
  if (!member) return { isMember: false, isPlus: false, level: undefined, cardClass: undefined };
  let level: RulesConfig["levels"][number] | undefined;
  if (member.levelId !== undefined) {
    level = config.levels.find((l) => l.id === member.levelId);
    if (!level) throw new RulesError("RULES_UNKNOWN_LEVEL", `no level '${member.levelId}'`, "member.levelId");
  }
  const findClass = (id: string | undefined, field: string): CardClass | undefined => {
    if (id === undefined) return undefined;
    const c = config.cardClasses.find((x) => x.id === id);
    if (!c) throw new RulesError("RULES_UNKNOWN_CARD_CLASS", `no card class '${id}'`, field);
    return c;
  };
  let cardClass = findClass(member.cardClass, "member.cardClass");
  if (cardClass?.vip === true && member.vipExpiresAt !== undefined && at >= member.vipExpiresAt) {
    cardClass = findClass(member.baseCardClass, "member.baseCardClass");
  }
  return { isMember: true, isPlus: member.isPlus ?? false, level, cardClass };
}

function addAllocation(target: LineAllocation[], source: string, fen: number): void {
  if (fen > 0) target.push({ source, fen });
}

/**
 * Prices a cart. Order of work: member unit prices per line; coupons (stacking policy, allocated to
 * lines by largest remainder); points as cash (allocated likewise); rounding of the amount to pay
 * down to `rounding.cashUnitFen` (allocated likewise); points earned on what each line costs.
 * Every amount is an integer number of fen; line amounts add up exactly to the totals.
 */
export function priceCart(input: PriceCartInput): PricedCart {
  const { config, ...request } = input;
  const req = parsePriceCartRequest(request);
  const member = req.member;
  const date = localDate(req.at, config.utcOffsetMinutes);
  const who = pricingIdentity(config, member, req.at);

  const catalog = catalogIndex(config.catalog);
  const base = req.lines.map((l, index) => {
    if (l.scaleLabel !== undefined) {
      // A scale label: one labelled pack priced from its price or weight, times the identical packs; points as an item without a barcode.
      const s = priceScaleLine(config, l.scaleLabel, who, req.channel, `lines.${index}.scaleLabel`);
      const price = { unitFen: s.price.lineMemberFen, lineFen: s.price.lineMemberFen * l.qty, source: s.price.source };
      const { barcode: _barcode, ...earnProduct } = s.product;
      const scale: NonNullable<PricedLine["scale"]> = {
        label: l.scaleLabel,
        plu: s.label.plu,
        perUnitFen: s.price.unitPriceFen,
        memberPerUnitFen: s.price.memberUnitPriceFen,
      };
      if (s.label.weightG !== undefined) scale.weightG = s.label.weightG;
      if (s.label.labelPriceFen !== undefined) scale.labelPriceFen = s.label.labelPriceFen;
      return { index, line: l, product: s.product, earnProduct, price, listUnitFen: s.price.lineBaseFen, scale };
    }
    // The error (and its field name) only when the product is missing.
    const found = l.sku !== undefined ? catalog.bySku.get(l.sku) : l.barcode !== undefined ? catalog.byBarcode.get(l.barcode) : undefined;
    const product = found ?? findProduct(config, l, `lines.${index}.${l.sku !== undefined ? "sku" : "barcode"}`);
    const price = memberLinePrice(product, l.qty, who, req.channel, config);
    return { index, line: l, product, earnProduct: product, price, listUnitFen: product.priceFen, scale: undefined };
  });

  // Coupons.
  const couponLines: CouponLine[] = base.map((b) => ({
    index: b.index,
    product: b.product,
    qty: b.line.qty,
    memberUnitFen: b.price.unitFen,
    remaining: b.price.lineFen,
  }));
  const coupons = applyCoupons(req.coupons, couponLines, {
    config,
    memberPresent: member !== null,
    held: member?.couponsHeld ?? [],
    birthday: member?.birthday,
    date,
    channel: req.channel,
  });
  const allocations: LineAllocation[][] = base.map(() => []);
  for (const a of coupons.allocations) {
    const source = `coupon:${a.instanceId}`;
    for (let i = 0; i < a.perLine.length; i++) addAllocation(allocations[i] ?? [], source, a.perLine[i] ?? 0);
  }
  const afterCoupons = couponLines.map((l) => l.remaining);
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
          channel: req.channel,
          memberPresent: member !== null,
        });
  const cashShares = redemption.cashFen > 0 ? allocate(redemption.cashFen, afterCoupons) : afterCoupons.map(() => 0);
  const pointShares = redemption.used > 0 ? allocate(redemption.used, cashShares) : afterCoupons.map(() => 0);

  // Cash rounding of what is left to pay.
  const leftToPay = afterCoupons.map((r, i) => r - (cashShares[i] ?? 0));
  const unit = config.rounding.cashUnitFen;
  const payable = sum(leftToPay);
  const roundingFen = payable - divRound(payable, unit, "floor") * unit;
  const roundShares = roundingFen > 0 ? allocate(roundingFen, leftToPay) : leftToPay.map(() => 0);
  for (let i = 0; i < roundShares.length; i++) addAllocation(allocations[i] ?? [], "cash-rounding", roundShares[i] ?? 0);

  // Points earned on what each line costs.
  const earned = earnPoints(
    base.map((b, i) => {
      const lineTotal = (afterCoupons[i] ?? 0) - (roundShares[i] ?? 0);
      return {
        product: b.earnProduct,
        qty: b.line.qty,
        amountFen: config.points.options.earnOnPointsCash ? lineTotal : lineTotal - (cashShares[i] ?? 0),
        memberPriced: b.price.source !== "base",
        campaign: b.line.campaign,
      };
    }),
    { config, memberPresent: member !== null, level: who.level, birthday: member?.birthday, date },
  );

  const lines: PricedLine[] = base.map((b, i) => {
    let orderDiscountFen = 0;
    for (const a of allocations[i] ?? []) orderDiscountFen += a.fen;
    const lineTotalFen = b.price.lineFen - orderDiscountFen;
    const pointsCashFen = cashShares[i] ?? 0;
    const memberSavingsFen = b.listUnitFen * b.line.qty - b.price.lineFen;
    const e = earned.lines[i];
    const line: PricedLine = {
      index: b.index,
      sku: b.product.sku,
      barcode: b.product.barcode ?? null,
      name: b.product.name,
      category: b.product.category,
      qty: b.line.qty,
      unitPriceFen: b.listUnitFen,
      memberUnitPriceFen: b.price.unitFen,
      priceSource: b.price.source,
      lineBaseFen: b.listUnitFen * b.line.qty,
      lineMemberFen: b.price.lineFen,
      memberSavingsFen,
      allocations: allocations[i] ?? [],
      orderDiscountFen,
      lineTotalFen,
      savingsFen: memberSavingsFen + orderDiscountFen,
      pointsCashFen,
      pointsRedeemed: pointShares[i] ?? 0,
      payableFen: lineTotalFen - pointsCashFen,
      pointsRule: e?.rule ?? "none",
      pointsEarned: e?.points ?? 0,
      pointsReturnable: e?.returnable ?? 0,
    };
    if (b.scale) line.scale = b.scale;
    return line;
  });

  let subtotalFen = 0;
  let memberSavingsFen = 0;
  let itemCount = 0;
  for (const l of lines) {
    subtotalFen += l.lineBaseFen;
    memberSavingsFen += l.memberSavingsFen;
    itemCount += l.qty;
  }
  const couponDiscountFen = sum(coupons.applied.map((c) => c.discountFen));
  const discountFen = couponDiscountFen + roundingFen;
  const totalFen = subtotalFen - memberSavingsFen - discountFen;
  return {
    memberId: member?.id ?? null,
    channel: req.channel,
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
      pointsEarned: earned.points,
      pointsReturnable: earned.returnable,
    },
  };
}
