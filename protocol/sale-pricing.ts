// Prices a kiosk sale from a signed config and a member record: the one mapping the kiosk and the hub both use.
import type { ConfigContent, MemberRecord } from "./messages.js";
import { priceCart } from "./rules/pricing.js";
import type { PricedCart } from "./rules/pricing-types.js";

export interface SaleLine {
  sku: string;
  qty: number;
}

export interface SalePricingOptions {
  coupons?: string[];
  pointsToRedeem?: number;
}

/** The priced receipt for `lines` bought by `member` at `at` under the config `content`. */
export function priceSale(
  content: ConfigContent,
  member: MemberRecord,
  lines: readonly SaleLine[],
  at: number,
  options: SalePricingOptions = {},
): PricedCart {
  return priceCart({
    config: content.rules,
    member: {
      id: member.memberId,
      levelId: member.levelId,
      cardClass: member.cardClass,
      ...(member.vipExpiresAt !== undefined ? { vipExpiresAt: member.vipExpiresAt } : {}),
      ...(member.baseCardClass !== undefined ? { baseCardClass: member.baseCardClass } : {}),
      couponsHeld: member.coupons.map((c) => ({
        instanceId: c.instanceId,
        couponId: c.couponId,
        expiresOn: c.expiresOn,
        ...(c.validFrom !== undefined ? { validFrom: c.validFrom } : {}),
      })),
      ...(member.birthday !== undefined ? { birthday: member.birthday } : {}),
      pointsBalance: Math.max(0, member.pointsBalance),
    },
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    channel: "kiosk",
    at,
    coupons: options.coupons ?? [],
    ...(options.pointsToRedeem !== undefined ? { pointsToRedeem: options.pointsToRedeem } : {}),
  });
}
