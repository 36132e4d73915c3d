// Prices a kiosk sale from a signed config and a member record: the one mapping the kiosk and the hub both use.
import type { ConfigContent, MemberRecord } from "./messages.js";
import { priceCart } from "./rules/pricing.js";
import type { CartMember, HeldCoupon, PriceCartInput, PricedCart } from "./rules/pricing-types.js";

export interface SaleLine {
  sku: string;
  qty: number;
  /** A scale-label line: priced from the label (the sku is only the kiosk's reading of it). */
  scaleLabel?: string | undefined;
}

export interface SalePricingOptions {
  coupons?: string[];
  pointsToRedeem?: number;
  /** The lines were checked at the caller's boundary (the sale message's schema, the kiosk's cart edits): the rules check the rest only. */
  linesChecked?: boolean;
}

/** The priced receipt for `lines` bought by `member` at `at` under the config `content`. */
export function priceSale(content: ConfigContent, member: MemberRecord, lines: readonly SaleLine[], at: number, options: SalePricingOptions = {}): PricedCart {
  // Built field by field: object spreads with extra keys are slow on V8, and this runs for every sale.
  const cartMember: CartMember = {
    id: member.memberId,
    levelId: member.levelId,
    cardClass: member.cardClass,
    pointsBalance: Math.max(0, member.pointsBalance),
  };
  if (member.vipExpiresAt !== undefined) cartMember.vipExpiresAt = member.vipExpiresAt;
  if (member.baseCardClass !== undefined) cartMember.baseCardClass = member.baseCardClass;
  if (member.birthday !== undefined) cartMember.birthday = member.birthday;
  cartMember.couponsHeld = member.coupons.map((c) => {
    const held: HeldCoupon = { instanceId: c.instanceId, couponId: c.couponId, expiresOn: c.expiresOn };
    if (c.validFrom !== undefined) held.validFrom = c.validFrom;
    return held;
  });
  const input: PriceCartInput = {
    config: content.rules,
    member: cartMember,
    lines: lines.map((l) => (l.scaleLabel !== undefined ? { scaleLabel: l.scaleLabel, qty: l.qty } : { sku: l.sku, qty: l.qty })),
    channel: "kiosk",
    at,
    coupons: options.coupons ?? [],
  };
  if (options.pointsToRedeem !== undefined) input.pointsToRedeem = options.pointsToRedeem;
  return priceCart(input, { linesChecked: options.linesChecked === true });
}
