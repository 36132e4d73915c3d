// What-if parts for consultants and top-up refunds: their history inputs and how they are run (consultant.ts, top-up-refund.ts).
import { z } from "zod";
import type { RulesConfig } from "./config.js";
import { ChannelSchema, FenSchema, IdSchema, IsoDateSchema, PointsSchema } from "./config-common.js";
import { classifyConsultantSale, consultantReward, type ConsultantReward, type ConsultantSale, type ConsultantSaleKind } from "./consultant.js";
import { RulesError } from "./errors.js";
import type { PricedCart } from "./pricing-types.js";
import type { ReturnResult } from "./returns.js";
import { quoteTopUpRefund, type TopUpRefundInput, type TopUpRefundResult } from "./top-up-refund.js";
import type { TopUpResult } from "./top-up.js";

const SALE_KINDS = ["new-first", "new-repeat", "lost-won-back", "sleeping-reactivated", "other"] as const;
const SaleKindSchema = z.enum(SALE_KINDS);

/** history.consultant: the member's consultant, the month so far, and how to classify the cart's sale. */
export const WhatIfConsultantSchema = z.strictObject({
  consultantId: IdSchema.optional(),
  /** The consultant's other sales and returns this month, as consultantReward takes them. */
  monthSales: z
    .array(
      z.strictObject({
        amountFen: z.number().int(),
        kind: SaleKindSchema,
        channel: ChannelSchema,
        returnOf: z.strictObject({ saleAmountFen: FenSchema, returnedBeforeFen: FenSchema }).optional(),
      }),
    )
    .default([]),
  /** The cart's sale kind; without it the sale is classified from the card date and earlier purchases. */
  kind: SaleKindSchema.optional(),
  /** Defaults to history.portrait.cardIssuedOn. */
  cardIssuedOn: IsoDateSchema.optional(),
  /** Store-local dates of the member's earlier purchases; defaults to history.portrait's purchase dates. */
  previousPurchaseDates: z.array(IsoDateSchema).optional(),
});
export type WhatIfConsultant = z.output<typeof WhatIfConsultantSchema>;

/** history.topUpRefund: refund (the rest of) a top-up's principal. */
export const WhatIfTopUpRefundSchema = z.strictObject({
  /** The top-up being refunded; defaults to history.topUp as evaluated (nothing refunded yet). */
  topUp: z
    .strictObject({
      principalFen: FenSchema,
      bonusFen: FenSchema.default(0),
      points: PointsSchema.default(0),
      refundedPrincipalFen: FenSchema.default(0),
      refundedBonusFen: FenSchema.default(0),
      refundedPoints: PointsSchema.default(0),
    })
    .optional(),
  /** The member now: principal and bonus on the balance, points. */
  member: z.strictObject({ principalFen: FenSchema, bonusFen: FenSchema, pointsBalance: PointsSchema }),
  /** Principal to refund; absent = the unspent rest. */
  requestFen: FenSchema.optional(),
});
export type WhatIfTopUpRefund = z.output<typeof WhatIfTopUpRefundSchema>;

export interface WhatIfConsultantReport {
  consultantId: string | null;
  /** The cart as the consultant's sale (null without a cart). */
  sale: (ConsultantSale & { countedFen: number; multiplierPercent: number; channelPercent: number }) | null;
  /** The cart's return taking back what the sale earned (null without a return). */
  return: (ConsultantSale & { countedFen: number }) | null;
  /** The month's reward: before the cart, with the cart, and with the cart and its return. */
  before: ConsultantReward;
  withSale: ConsultantReward | null;
  withReturn: ConsultantReward | null;
  /** withSale - before: what the cart earns the consultant. */
  rewardForCartFen: number | null;
  /** withReturn - withSale: what the return takes back (negative). */
  rewardForReturnFen: number | null;
}

/**
 * The consultant's reward for the cart, as the hub's monthly report counts it (consultantReward): the
 * cart's total as a sale of its kind and channel, and its return (if any) as `returnOf` that sale, so a
 * full return takes back exactly what the sale earned.
 */
export function whatIfConsultant(
  config: RulesConfig,
  c: WhatIfConsultant,
  o: {
    receipt: PricedCart | null;
    ret: ReturnResult | null;
    /** Refund of the cart's earlier returns (previouslyReturned), taken back before this one. */
    returnedBeforeFen: number;
    saleDate: string;
    portrait?: { cardIssuedOn: string; purchases: { date: string }[] } | undefined;
  },
): WhatIfConsultantReport {
  const s = config.consultant;
  const mode = config.rounding.mode;
  const month: ConsultantSale[] = c.monthSales.map(({ returnOf, ...x }) => (returnOf ? { ...x, returnOf } : x));
  const reward = (sales: ConsultantSale[]): ConsultantReward => {
    try {
      return consultantReward(s, sales, mode);
    } catch (e) {
      if (e instanceof RulesError && e.field?.startsWith("sales.")) {
        const i = Number(e.field.split(".")[1]);
        if (i < month.length) throw new RulesError(e.code, e.message.replace(`${e.field}: `, ""), `history.consultant.monthSales.${e.field.slice(6)}`);
      }
      throw e;
    }
  };
  const before = reward(month);
  const base: WhatIfConsultantReport = {
    consultantId: c.consultantId ?? null,
    sale: null,
    return: null,
    before,
    withSale: null,
    withReturn: null,
    rewardForCartFen: null,
    rewardForReturnFen: null,
  };
  const cart = o.receipt;
  if (!cart) return base;
  if (cart.memberId === null)
    throw new RulesError("RULES_INVALID_INPUT", "the cart is a guest's: consultants are rewarded for their members' purchases", "history.consultant");
  let kind: ConsultantSaleKind;
  if (c.kind !== undefined) kind = c.kind;
  else {
    const cardIssuedOn = c.cardIssuedOn ?? o.portrait?.cardIssuedOn;
    if (cardIssuedOn === undefined)
      throw new RulesError("RULES_INVALID_INPUT", "needed to classify the sale (or give history.consultant.kind)", "history.consultant.cardIssuedOn");
    const previousPurchaseDates = c.previousPurchaseDates ?? o.portrait?.purchases.map((p) => p.date) ?? [];
    kind = classifyConsultantSale(s, { cardIssuedOn, previousPurchaseDates }, o.saleDate);
  }
  const saleAmountFen = cart.totals.totalFen;
  const sale: ConsultantSale = { amountFen: saleAmountFen, kind, channel: cart.channel };
  const withSale = reward([...month, sale]);
  const saleLine = withSale.lines[month.length];
  const out: WhatIfConsultantReport = {
    ...base,
    sale: {
      ...sale,
      countedFen: saleLine?.countedFen ?? 0,
      multiplierPercent: saleLine?.multiplierPercent ?? 0,
      channelPercent: saleLine?.channelPercent ?? 0,
    },
    withSale,
    rewardForCartFen: withSale.rewardFen - before.rewardFen,
  };
  if (!o.ret) return out;
  const back: ConsultantSale = { ...sale, amountFen: -o.ret.totals.refundFen, returnOf: { saleAmountFen, returnedBeforeFen: o.returnedBeforeFen } };
  // The earlier returns of the cart (previouslyReturned) are in the month too, before this one.
  const earlier: ConsultantSale[] =
    o.returnedBeforeFen > 0 ? [{ ...sale, amountFen: -o.returnedBeforeFen, returnOf: { saleAmountFen, returnedBeforeFen: 0 } }] : [];
  const withEarlier = earlier.length > 0 ? reward([...month, sale, ...earlier]) : withSale;
  const withReturn = reward([...month, sale, ...earlier, back]);
  return {
    ...out,
    return: { ...back, countedFen: withReturn.lines[withReturn.lines.length - 1]?.countedFen ?? 0 },
    withReturn,
    rewardForReturnFen: withReturn.rewardFen - withEarlier.rewardFen,
  };
}

export type WhatIfTopUpRefundReport = TopUpRefundResult & { topUp: TopUpRefundInput["topUp"]; requestFen: number | null };

/** Quotes the refund of a top-up's unspent rest (quoteTopUpRefund): principal back, bonus and points taken back. */
export function whatIfTopUpRefund(r: WhatIfTopUpRefund, evaluated: TopUpResult | null): WhatIfTopUpRefundReport {
  let topUp: TopUpRefundInput["topUp"];
  if (r.topUp) topUp = r.topUp;
  else if (evaluated) {
    if (evaluated.target !== "balance")
      throw new RulesError(
        "RULES_INVALID_INPUT",
        "a shopping-card top-up is refunded off its card; give the balance top-up to refund",
        "history.topUpRefund.topUp",
      );
    topUp = {
      principalFen: evaluated.principalFen,
      bonusFen: evaluated.bonusFen,
      points: evaluated.points,
      refundedPrincipalFen: 0,
      refundedBonusFen: 0,
      refundedPoints: 0,
    };
  } else throw new RulesError("RULES_INVALID_INPUT", "give the top-up to refund (or a history.topUp)", "history.topUpRefund.topUp");
  let result: TopUpRefundResult;
  try {
    result = quoteTopUpRefund({ topUp, member: r.member, requestFen: r.requestFen });
  } catch (e) {
    if (e instanceof RulesError && e.field !== undefined) throw new RulesError(e.code, e.message.replace(`${e.field}: `, ""), `history.topUpRefund.${e.field}`);
    throw e;
  }
  return { ...result, topUp, requestFen: r.requestFen ?? null };
}
