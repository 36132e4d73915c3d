// Goods only paid members may buy (seed 000, 双轨付费会员制): who counts as a paid member, and the refusal words for everyone else.
import type { Product, RulesConfig } from "./config.js";
import { pricingIdentity } from "./pricing.js";
import type { CartMember } from "./pricing-types.js";

export interface PaidOnlyRefusal {
  code: "PAID_MEMBERS_ONLY";
  sku: string;
  /** Words for the customer, Chinese first, with the next step. */
  message: string;
}

/** A paid member at `at`: PLUS, or a card class marked `vip` that has not expired (an expired VIP counts as its base class). */
export function isPaidMember(config: RulesConfig, member: CartMember | null | undefined, at: number): boolean {
  if (!member) return false;
  const id = pricingIdentity(config, member, at);
  return id.isPlus || id.cardClass?.vip === true;
}

/** Null when `member` may buy `product` at `at`; else why not, with words. */
export function paidOnlyRefusal(config: RulesConfig, product: Product, member: CartMember | null | undefined, at: number): PaidOnlyRefusal | null {
  if (!product.paidMembersOnly || isPaidMember(config, member, at)) return null;
  return {
    code: "PAID_MEMBERS_ONLY",
    sku: product.sku,
    message: `「${product.name}」仅限付费会员购买，请到服务台开通VIP会员后再买。 "${product.name}" is for paid members only: join VIP at the service desk to buy it.`,
  };
}
