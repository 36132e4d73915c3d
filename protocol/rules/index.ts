// Public API of the rules engine: pure pricing, points, level, VIP, PLUS, top-up, portrait and consultant arithmetic.
export * from "./config.js";
export * from "./errors.js";
export * from "./money.js";
export * from "./time.js";
export * from "./pricing-types.js";
export { priceCart, priceCartTrusted, pricingIdentity } from "./pricing.js";
export type { PriceCartOptions } from "./pricing.js";
export { catalogIndex, findProduct, levelPayPercent, memberLinePrice } from "./unit-price.js";
export type { CatalogIndex, LinePrice, PriceSource, PricingIdentity } from "./unit-price.js";
export { applyCoupons, couponGroup, inCouponScope, isMemberDay } from "./coupons.js";
export type { CouponContext, CouponLine, CouponOutcome } from "./coupons.js";
export { redeemPoints, redemptionAllowed, redemptionCapFen } from "./points-cash.js";
export type { RedemptionRequest, RedemptionResult } from "./points-cash.js";
export {
  combineMultipliers,
  daysUntilYearlyClear,
  earnPoints,
  eventMultipliers,
  pointsRuleFor,
  returnLines,
  yearlyClearAction,
} from "./points.js";
export type { EarnContext, EarnedLine, EarnLine, EarnResult, ReturnInput, ReturnResult, ReturnedLine, YearlyClearAction } from "./points.js";
export { settleTenders, splitBalance } from "./tenders.js";
export type { ShoppingCardBalance, StoredBalance, TenderInput, TenderLine, TenderPlan } from "./tenders.js";
export { DEMO_RULES_CONFIG, minimalDemoRulesConfig } from "./demo-config.js";
export { checkDowngrade, checkUpgrade, defaultLevelFor, evaluateLevel, higherLevel, levelIndex, LevelMemberSchema, quotePaidUpgrade } from "./levels.js";
export type { LevelChange, LevelMember } from "./levels.js";
export { expireVip, extendVip, giveVip, quoteVipPurchase, quoteVipUpgrade, remainingVipDays, vipActive, VipMemberSchema } from "./vip.js";
export type { VipMember, VipMemberInput, VipQuote, VipRecord, VipRecordKind } from "./vip.js";
export { findPlusPlan, PlusMemberSchema, quotePlusPurchase } from "./plus.js";
export type { PlusMember, PlusMemberInput, PlusQuote } from "./plus.js";
export { planBonusApplies, planPriceFor } from "./paid-plans.js";
export { evaluateTopUp, topUpIneligibility, TopUpRequestSchema } from "./top-up.js";
export type { TopUpIneligibility, TopUpRequest, TopUpResult } from "./top-up.js";
export { quoteTopUpRefund } from "./top-up-refund.js";
export type { TopUpRefundInput, TopUpRefundQuote, TopUpRefundRefusal, TopUpRefundResult } from "./top-up-refund.js";
export { PointsGiftSchema, quoteGiftRedemption } from "./points-gifts.js";
export type { GiftRedemptionInput, GiftRedemptionResult, GiftRefusal, PointsGift, PointsGiftInput } from "./points-gifts.js";
export { isPaidMember, paidOnlyRefusal } from "./paid-only.js";
export type { PaidOnlyRefusal } from "./paid-only.js";
export { FREQUENCY_PORTRAITS, memberPortraits, MemberHistorySchema } from "./portraits.js";
export type { FrequencyPortrait, MemberHistory, PortraitTag, Portraits } from "./portraits.js";
export { classifyConsultantSale, consultantReward } from "./consultant.js";
export type { ConsultantReward, ConsultantSale, ConsultantSaleKind } from "./consultant.js";
export { runWhatIf, WhatIfCartSchema, WhatIfHistorySchema } from "./whatif.js";
export type { WhatIfCart, WhatIfHistory, WhatIfReport } from "./whatif.js";
export { formatWhatIf, yuan } from "./whatif-format.js";
export { parseVectorFile, runVectorCase, VECTOR_FUNCTIONS, VectorCaseSchema, VectorFileSchema } from "./vectors.js";
export type { VectorCase, VectorFile, VectorFunction } from "./vectors.js";
