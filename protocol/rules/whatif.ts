// The what-if report: a cart and/or a member history run through the rules, as data (pure; the CLI does the I/O).
import { z } from "zod";
import type { RulesConfig } from "./config.js";
import { ChannelSchema, EpochMsSchema, FenSchema, IdSchema, IsoDateSchema, PointsSchema } from "./config-common.js";
import { parseWith } from "./config.js";
import { RulesError } from "./errors.js";
import { evaluateLevel, LevelMemberSchema, type LevelChange } from "./levels.js";
import { yearlyClearAction } from "./points.js";
import { memberPortraits, MemberHistorySchema, type Portraits } from "./portraits.js";
import { priceCart } from "./pricing.js";
import { CartLineSchema, CartMemberSchema, type PricedCart } from "./pricing-types.js";
import { returnLines, type ReturnResult } from "./returns.js";
import { settleTenders, type TenderPlan } from "./tenders.js";
import { addDays, localDate } from "./time.js";
import { evaluateTopUp, type TopUpResult } from "./top-up.js";
import {
  WhatIfConsultantSchema,
  whatIfConsultant,
  type WhatIfConsultantReport,
  WhatIfTopUpRefundSchema,
  whatIfTopUpRefund,
  type WhatIfTopUpRefundReport,
} from "./whatif-parts.js";
import { CART_INSTANTS, HISTORY_INSTANTS, localTime, readInstants, whatIfInstant } from "./whatif-time.js";
import { expireVip, giveVip, quoteVipPurchase, quoteVipUpgrade, VipMemberSchema, type VipMember, type VipRecord } from "./vip.js";

const InstantSchema = z.union([EpochMsSchema, z.string()]);

/** The --cart file. */
export const WhatIfCartSchema = z.strictObject({
  /** Epoch ms (not seconds), 'YYYY-MM-DD' (start of that store-local day) or an ISO timestamp with offset. */
  at: InstantSchema,
  channel: ChannelSchema.default("kiosk"),
  member: CartMemberSchema.nullable().default(null),
  lines: z.array(CartLineSchema).min(1),
  coupons: z.array(IdSchema).default([]),
  pointsToRedeem: z.union([PointsSchema, z.literal("max")]).optional(),
  tender: z
    .strictObject({
      /** A shopping card (购物卡) that pays first (docs/rules.md tender order). */
      shoppingCard: z.strictObject({ cardId: IdSchema, balanceFen: FenSchema }).optional(),
      useShoppingCardFen: z.union([FenSchema, z.literal("max")]).optional(),
      balance: z.strictObject({ principalFen: FenSchema, bonusFen: FenSchema }).optional(),
      useBalanceFen: z.union([FenSchema, z.literal("max")]).optional(),
    })
    .optional(),
  /** Preview a return of these lines of the priced cart. */
  return: z
    .strictObject({
      lines: z.array(z.strictObject({ index: z.number().int().nonnegative(), qty: z.number().int().positive().optional() })).min(1),
      previouslyReturned: z.array(z.strictObject({ index: z.number().int().nonnegative(), qty: z.number().int().nonnegative() })).optional(),
    })
    .optional(),
});
export type WhatIfCart = z.input<typeof WhatIfCartSchema>;

/** The --history file: the member's state, for level, VIP, top-up and portrait questions. */
export const WhatIfHistorySchema = z.strictObject({
  /** The time asked about; defaults to the cart's time, else the start of `today`. */
  at: InstantSchema.optional(),
  /** Level metrics; the cart's spend, points and growth (1 per yuan) and the top-up are added before checking. */
  level: LevelMemberSchema.optional(),
  vip: VipMemberSchema.optional(),
  /** Quote buying this VIP plan, or upgrading to it by the price difference. */
  vipPlanId: IdSchema.optional(),
  vipUpgradePlanId: IdSchema.optional(),
  topUp: z
    .strictObject({
      amountFen: FenSchema,
      channel: ChannelSchema.default("till"),
      storeId: IdSchema.optional(),
      ruleId: IdSchema.optional(),
      usedRuleIds: z.array(IdSchema).default([]),
    })
    .optional(),
  portrait: MemberHistorySchema.optional(),
  /** The member's consultant: the reward for the cart (and for its return). */
  consultant: WhatIfConsultantSchema.optional(),
  /** Refund of a top-up's unspent rest (defaults to refunding history.topUp). */
  topUpRefund: WhatIfTopUpRefundSchema.optional(),
  today: IsoDateSchema.optional(),
});
export type WhatIfHistory = z.input<typeof WhatIfHistorySchema>;

/** A top-up's level upgrade, shaped as a level change (effective at once, as the hub applies it). */
export type TopUpLevelChange = Omit<LevelChange, "from"> & { from: string | null; by: "top-up" };

export interface WhatIfReport {
  at: number;
  /** `at` in store-local time with the offset, e.g. '2024-05-01 10:30 (UTC+08:00)'. */
  atLocal: string;
  utcOffsetMinutes: number;
  localDate: string;
  receipt: PricedCart | null;
  tenders: TenderPlan | null;
  return: ReturnResult | null;
  points: { earned: number; returnable: number; redeemed: number; balanceAfter: number | null } | null;
  level: LevelChange | null;
  vip: {
    expiry: VipRecord | null;
    /** When the expired VIP ended (epoch ms), or when the active one ends; null if none. */
    expiredAt: number | null;
    activeUntil: number | null;
    quote: { kind: string; priceFen: number; bonusDays: number; couponPackIds: string[]; record: VipRecord } | null;
    member: VipMember | null;
  } | null;
  topUp: (TopUpResult & { vipGift: VipRecord | null; levelChange: TopUpLevelChange | null }) | null;
  topUpRefund: WhatIfTopUpRefundReport | null;
  consultant: WhatIfConsultantReport | null;
  portraits: Portraits | null;
  yearlyClear: ReturnType<typeof yearlyClearAction>;
}

/** Runs the what-if. Errors are RulesErrors whose field starts with `cart.` or `history.`. */
export function runWhatIf(config: RulesConfig, cartJson: unknown, historyJson: unknown): WhatIfReport {
  if (cartJson === undefined && historyJson === undefined) throw new RulesError("RULES_INVALID_INPUT", "give a cart, a history or both");
  const off = config.utcOffsetMinutes;
  // Instants are read first (epoch ms, not seconds, or ISO), so the schemas see epoch ms.
  const cartIn = cartJson === undefined ? undefined : readInstants(cartJson, CART_INSTANTS, off, "cart");
  const historyIn = historyJson === undefined ? undefined : readInstants(historyJson, HISTORY_INSTANTS, off, "history");
  const cart = cartIn === undefined ? undefined : parseWith(WhatIfCartSchema, cartIn, "RULES_INVALID_INPUT", "cart");
  const history = historyIn === undefined ? undefined : parseWith(WhatIfHistorySchema, historyIn, "RULES_INVALID_INPUT", "history");
  const whenRaw = history?.at ?? cart?.at ?? history?.today;
  if (whenRaw === undefined) throw new RulesError("RULES_INVALID_INPUT", "a time is needed (history.at, history.today or cart.at)", "history.at");
  const at = whatIfInstant(whenRaw, off, history?.at !== undefined ? "history.at" : cart ? "cart.at" : "history.today");
  const cartAt = cart ? whatIfInstant(cart.at, off, "cart.at") : at;
  const today = history?.today ?? localDate(at, off);

  /** Re-labels the field of a rules error as a field of the input file (`member.x` of a level check is `history.level.x`). */
  const relabel = <T>(f: () => T, rename: (field: string) => string): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof RulesError && e.field !== undefined) throw new RulesError(e.code, e.message.replace(`${e.field}: `, ""), rename(e.field));
      throw e;
    }
  };
  const prefixed = <T>(prefix: string, f: () => T): T => relabel(f, (field) => `${prefix}.${field}`);
  const vipField = (planField: string) => (field: string) =>
    field === "planId" ? `history.${planField}` : field.startsWith("member.") ? `history.vip.${field.slice("member.".length)}` : `history.${field}`;

  let receipt: PricedCart | null = null;
  let tenders: TenderPlan | null = null;
  let ret: ReturnResult | null = null;
  if (cart) {
    const { at: _at, tender, return: r, ...request } = cart;
    receipt = prefixed("cart", () => priceCart({ config, ...request, at: cartAt }));
    const pc = receipt;
    if (tender) tenders = prefixed("cart.tender", () => settleTenders(config, { cart: pc, ...tender }));
    const plan = tenders ?? undefined;
    if (r) ret = prefixed("cart.return", () => returnLines({ cart: pc, tenders: plan, lines: r.lines, previouslyReturned: r.previouslyReturned }));
  }
  const balance = cart?.member?.pointsBalance;
  const points = receipt
    ? {
        earned: receipt.totals.pointsEarned,
        returnable: receipt.totals.pointsReturnable,
        redeemed: receipt.totals.pointsRedeemed,
        balanceAfter: balance === undefined ? null : balance - receipt.totals.pointsRedeemed + receipt.totals.pointsEarned,
      }
    : null;

  let vip: WhatIfReport["vip"] = null;
  let topUp: WhatIfReport["topUp"] = null;
  const vipState = history?.vip;
  if (history && (vipState || history.vipPlanId !== undefined || history.vipUpgradePlanId !== undefined)) {
    if (!vipState) throw new RulesError("RULES_INVALID_INPUT", "a VIP quote needs the member's card state", "history.vip");
    const expiry = expireVip(vipState, at);
    const member = expiry?.member ?? vipState;
    const buy = history.vipPlanId;
    const upgrade = history.vipUpgradePlanId;
    const quote =
      buy !== undefined
        ? relabel(() => quoteVipPurchase(config, member, buy, at), vipField("vipPlanId"))
        : upgrade !== undefined
          ? relabel(() => quoteVipUpgrade(config, member, upgrade, at), vipField("vipUpgradePlanId"))
          : null;
    const vipEnds = vipState.vip?.expiresAt ?? null;
    vip = {
      expiry: expiry?.record ?? null,
      expiredAt: expiry ? vipEnds : null,
      activeUntil: expiry ? null : vipEnds,
      quote: quote && { kind: quote.kind, priceFen: quote.priceFen, bonusDays: quote.bonusDays, couponPackIds: quote.couponPackIds, record: quote.record },
      member: quote?.member ?? expiry?.member ?? null,
    };
  }
  const levelBefore = history?.level?.levelId ?? cart?.member?.levelId;
  if (history?.topUp) {
    const t = history.topUp;
    const vipNow = vipState?.vip ? at < vipState.vip.expiresAt : false;
    const result = prefixed("history.topUp", () =>
      evaluateTopUp(config, {
        member: {
          id: vipState?.id ?? cart?.member?.id ?? "member",
          levelId: levelBefore,
          vipActive: vipNow,
          usedRuleIds: t.usedRuleIds,
        },
        amountFen: t.amountFen,
        channel: t.channel,
        storeId: t.storeId,
        at,
        ruleId: t.ruleId,
      }),
    );
    const planId = result.vipPlanId;
    const gift = planId !== null && vipState ? relabel(() => giveVip(config, vipState, planId, at, "top-up"), vipField("topUp.ruleId")) : null;
    // As the hub applies it (raiseLevelInTx): the new level from today, its validity window starting today.
    const to = result.upgradeToLevelId;
    const validity = to === null ? undefined : config.levels.find((l) => l.id === to)?.validityDays;
    const levelChange: TopUpLevelChange | null =
      to === null || to === levelBefore
        ? null
        : {
            from: levelBefore ?? null,
            to,
            kind: "upgrade",
            by: "top-up",
            effectiveOn: today,
            resetGrowth: false,
            validUntil: validity === undefined ? null : addDays(today, validity - 1),
            reason: `top-up rule ${result.rule?.id ?? "-"}`,
          };
    topUp = { ...result, vipGift: gift?.record ?? null, levelChange };
  }

  let level: LevelChange | null = null;
  if (history?.level) {
    const lm = { ...history.level };
    if (history.topUp) lm.cumulativeTopUpFen += history.topUp.amountFen;
    const raised = topUp?.levelChange;
    // After a top-up upgrade the level is checked from the new level, whose window starts today.
    if (raised) Object.assign(lm, { levelId: raised.to, levelSince: today, windowGrowth: 0 });
    if (receipt) {
      lm.cumulativeSpendFen += receipt.totals.totalFen;
      lm.points = Math.max(0, lm.points + receipt.totals.pointsEarned - receipt.totals.pointsRedeemed);
      lm.growth += Math.floor(receipt.totals.totalFen / 100);
    }
    level = relabel(
      () => evaluateLevel(config, lm, today),
      (f) => `history.level.${f.replace(/^member\./, "")}`,
    );
  }
  const topUpRefund = history?.topUpRefund ? whatIfTopUpRefund(history.topUpRefund, topUp) : null;

  let consultant: WhatIfConsultantReport | null = null;
  if (history?.consultant) {
    const earlier = cart?.return?.previouslyReturned;
    const pc = receipt;
    // The cart's earlier returns as one return: units go back in a fixed order, so this is their refunds' sum.
    const returnedBeforeFen =
      pc && earlier && earlier.some((e) => e.qty > 0)
        ? prefixed("cart.return", () =>
            returnLines({ cart: pc, tenders: tenders ?? undefined, lines: earlier.filter((e) => e.qty > 0).map((e) => ({ index: e.index, qty: e.qty })) }),
          ).totals.refundFen
        : 0;
    consultant = whatIfConsultant(config, history.consultant, {
      receipt,
      ret,
      returnedBeforeFen,
      saleDate: localDate(cartAt, off),
      portrait: history.portrait,
    });
  }
  const portrait = history?.portrait;
  const portraits = portrait
    ? relabel(
        () => memberPortraits(config.portraitThresholds, portrait, today),
        (f) => f.replace(/^history\./, "history.portrait."),
      )
    : null;
  return {
    at,
    atLocal: localTime(at, off),
    utcOffsetMinutes: off,
    localDate: today,
    receipt,
    tenders,
    return: ret,
    points,
    level,
    vip,
    topUp,
    topUpRefund,
    consultant,
    portraits,
    yearlyClear: yearlyClearAction(config, today),
  };
}
