// The configuration forms' fields: each card's fields (path in the bundle, label zh/en, input kind) and the kiosks' zod schema each section is checked with, plus small path helpers.
import type { z } from "zod";
import { DevicePolicySchema } from "../../../../../protocol/device-policy.js";
import {
  ConsultantSettingsSchema,
  CouponPolicySchema,
  LevelUpgradeRuleSchema,
  PointsConfigSchema,
  PortraitThresholdsSchema,
  PricingOptionsSchema,
  RoundingConfigSchema,
  StoredValueSchema,
  TopUpSettingsSchema,
} from "../../../../../protocol/rules/config.js";
import { ScaleLabelConfigSchema } from "../../../../../protocol/rules/scale-label.js";
import type { KvValue } from "./KvInput";

export type FieldKind = "number" | "yuan" | "boolean" | "enum" | "tags" | "numtags" | "text" | "kv";
type Pair = readonly [string, string];
export interface FieldDef {
  /** Dotted path in the bundle: rules.points.spend.fenPerPoint, device.verification.oneInN. */
  path: string;
  label: Pair;
  kind: FieldKind;
  /** enum: the choices; tags: suggestions. */
  options?: readonly string[];
  hint?: Pair;
  /** kv: how each value is typed (a `key=value` tag). */
  kvValue?: KvValue;
}
export interface CardDef {
  key: string;
  title: Pair;
  fields: FieldDef[];
}

const n = (path: string, zh: string, en: string, hint?: Pair): FieldDef => ({ path, label: [zh, en], kind: "number", ...(hint ? { hint } : {}) });
const y = (path: string, zh: string, en: string): FieldDef => ({ path, label: [zh, en], kind: "yuan" });
const b = (path: string, zh: string, en: string): FieldDef => ({ path, label: [zh, en], kind: "boolean" });
const e = (path: string, zh: string, en: string, options: readonly string[]): FieldDef => ({ path, label: [zh, en], kind: "enum", options });
const t = (path: string, zh: string, en: string, options?: readonly string[]): FieldDef => ({
  path,
  label: [zh, en],
  kind: "tags",
  ...(options ? { options } : {}),
});
const nt = (path: string, zh: string, en: string): FieldDef => ({ path, label: [zh, en], kind: "numtags" });
const x = (path: string, zh: string, en: string, hint?: Pair): FieldDef => ({ path, label: [zh, en], kind: "text", ...(hint ? { hint } : {}) });
const kv = (path: string, zh: string, en: string, kvValue: KvValue, hint: Pair): FieldDef => ({ path, label: [zh, en], kind: "kv", kvValue, hint });

/** The schema each top-level section is checked with in the browser (the same ones the kiosks parse with). */
export const SECTION_SCHEMAS: Record<string, z.ZodType> = {
  "rules.points": PointsConfigSchema,
  "rules.levelUpgrade": LevelUpgradeRuleSchema.nullable(),
  "rules.couponPolicy": CouponPolicySchema,
  "rules.rounding": RoundingConfigSchema,
  "rules.pricing": PricingOptionsSchema,
  "rules.storedValue": StoredValueSchema,
  "rules.topUp": TopUpSettingsSchema,
  "rules.portraitThresholds": PortraitThresholdsSchema,
  "rules.consultant": ConsultantSettingsSchema,
  "rules.scaleLabels": ScaleLabelConfigSchema.nullable(),
  device: DevicePolicySchema,
};

const ROUNDING = ["floor", "ceil", "half-up", "half-even"] as const;
const CHANNELS = ["kiosk", "till", "online"] as const;
const DATE_HINT: Pair = ["YYYY-MM-DD，留空 = 不限", "YYYY-MM-DD; empty: no limit"];

export const POINTS_CARDS: CardDef[] = [
  {
    key: "earning",
    title: ["积分获取", "Earning points"],
    fields: [
      n("rules.points.spend.fenPerPoint", "每积 1 分需消费（分）", "Fen spent per point", ["10000 = 每 100 元 1 分", "10000 = one point per ¥100"]),
      n("rules.points.decimals", "积分小数位（0-2）", "Point decimals (0-2)"),
      e("rules.points.rounding", "积分取整方式", "Rounding of earned points", ROUNDING),
      b("rules.points.options.noBarcodeItemsEarn", "无条码商品积分", "Items without a barcode earn"),
      b("rules.points.options.promotionalItemsEarn", "促销商品积分", "Promotional items earn"),
      b("rules.points.options.memberPricedItemsEarn", "会员价商品积分", "Member-priced items earn"),
      b("rules.points.options.campaignItemsEarn", "团购 / 秒杀商品积分", "Group-buy / flash-sale items earn"),
      b("rules.points.options.earnOnPointsCash", "积分抵现部分也积分", "The part paid with points earns"),
    ],
  },
  {
    key: "multipliers",
    title: ["积分倍数", "Multipliers"],
    fields: [
      n("rules.points.multipliers.birthdayPercent", "生日倍数 %（200 = 2 倍）", "Birthday multiplier % (200 = x2)"),
      e("rules.points.multipliers.birthdayScope", "生日范围", "Birthday scope", ["day", "month"]),
      e("rules.points.multipliers.combine", "等级与活动倍数的叠加方式", "How level and event multipliers combine", ["additive", "multiplicative", "highest"]),
    ],
  },
  {
    key: "redemption",
    title: ["积分抵现 / 年度清零", "Redemption and yearly clear"],
    fields: [
      e("rules.points.redemption.mode", "抵现方式", "Redemption mode", ["ratio", "tiered"]),
      n("rules.points.redemption.pointsPerYuan", "多少积分抵 1 元", "Points worth one yuan"),
      y("rules.points.redemption.capFen", "每单最多抵（元）", "Cap per order (yuan)"),
      n("rules.points.redemption.capPercent", "每单最多抵订单的 %", "Cap as % of the order"),
      n("rules.points.redemption.minPoints", "一次最少使用积分", "Fewest points used at once"),
      nt("rules.points.redemption.window.weekdays", "可抵现的星期（1-7，空 = 每天）", "Weekdays it applies (1-7; empty: every day)"),
      nt("rules.points.redemption.window.daysOfMonth", "可抵现的每月几号", "Days of the month it applies"),
      t("rules.points.redemption.window.dates", "可抵现的日期（YYYY-MM-DD）", "Dates it applies (YYYY-MM-DD)"),
      x("rules.points.redemption.from", "抵现开始日期", "Redemption from", DATE_HINT),
      x("rules.points.redemption.to", "抵现结束日期", "Redemption to", DATE_HINT),
      t("rules.points.redemption.channels", "可抵现的渠道", "Channels it applies", CHANNELS),
      b("rules.points.yearlyClear", "每年 1 月 1 日清零（12 月 16 日起提醒）", "Clear all points on 1 January (warn from 16 December)"),
    ],
  },
];

export const OTHER_RULES_CARDS: CardDef[] = [
  {
    key: "levels",
    title: ["等级升级", "Level upgrades"],
    fields: [e("rules.levelUpgrade.metric", "升级依据", "Upgrade metric", ["growth", "points", "spend", "top-up"])],
  },
  {
    key: "coupons",
    title: ["优惠券规则", "Coupon policy"],
    fields: [
      n("rules.couponPolicy.maxPerOrder", "每单最多用券张数", "Coupons per order at most"),
      kv("rules.couponPolicy.maxPerGroup", "每个叠加分组每单张数（分组=张）", "Coupons per stacking group (group=count)", "number", [
        "未列出的分组每单 1 张；默认分组 threshold / voucher / percent / gift",
        "A group not listed allows one; default groups threshold / voucher / percent / gift",
      ]),
    ],
  },
  {
    key: "topUp",
    title: ["储值充值", "Top-ups"],
    fields: [
      b("rules.topUp.anyAmount", "允许任意金额", "Any amount may be topped up"),
      y("rules.topUp.minFen", "最低充值（元）", "Smallest top-up (yuan)"),
      y("rules.topUp.multipleOfFen", "金额须为其整数倍（元）", "Amounts a multiple of (yuan)"),
      e("rules.storedValue.spendOrder", "余额扣款顺序", "Which balance pays first", ["proportional", "principal-first", "bonus-first"]),
    ],
  },
  {
    key: "pricing",
    title: ["取整与折扣", "Rounding and discounts"],
    fields: [
      e("rules.rounding.mode", "折扣取整方式", "Rounding of discounts", ROUNDING),
      e("rules.rounding.discountBasis", "折扣计算基础", "Discounts rounded per", ["unit", "line"]),
      e("rules.rounding.cashUnitFen", "应付金额抹零单位（分）", "Amount to pay rounded down to (fen)", ["1", "10", "100"]),
      b("rules.pricing.percentDiscountOnPromotional", "促销商品也打等级折扣", "Level discounts apply to promotional items"),
    ],
  },
  {
    key: "portraits",
    title: ["会员画像阈值", "Portrait thresholds"],
    fields: [
      n("rules.portraitThresholds.newDays", "新会员（天内注册）", "New member (registered within days)"),
      n("rules.portraitThresholds.lostDays", "流失（天未消费）", "Lost (days without a purchase)"),
      n("rules.portraitThresholds.sleeping.noneInDays", "沉睡：天内无消费", "Sleeping: none within days"),
      n("rules.portraitThresholds.sleeping.someInDays", "沉睡：但天内有消费", "Sleeping: but some within days"),
      n("rules.portraitThresholds.onePurchaseDays", "仅消费一次（天内）", "One purchase only (within days)"),
      n("rules.portraitThresholds.active.days", "活跃：统计天数", "Active: counted over days"),
      n("rules.portraitThresholds.active.minPurchases", "活跃：最少消费次数", "Active: purchases at least"),
      n("rules.portraitThresholds.highlyActive.days", "高活跃：统计天数", "Highly active: counted over days"),
      n("rules.portraitThresholds.highlyActive.minPurchases", "高活跃：最少消费次数", "Highly active: purchases at least"),
      n("rules.portraitThresholds.loyal.days", "忠诚：统计天数", "Loyal: counted over days"),
      n("rules.portraitThresholds.loyal.minPurchases", "忠诚：最少消费次数", "Loyal: purchases at least"),
      y("rules.portraitThresholds.loyal.minLifetimeSpendFen", "忠诚：累计消费至少（元）", "Loyal: lifetime spend at least (yuan)"),
      n("rules.portraitThresholds.loyal.orDays", "忠诚（或）：统计天数", "Loyal (or): counted over days"),
      n("rules.portraitThresholds.loyal.orMinPurchases", "忠诚（或）：最少消费次数", "Loyal (or): purchases at least"),
      n("rules.portraitThresholds.returnProne.days", "常退货：统计天数", "Return-prone: counted over days"),
      n("rules.portraitThresholds.returnProne.minReturns", "常退货：最少退货次数", "Return-prone: returns at least"),
      y("rules.portraitThresholds.storedValueLoverMinFen", "储值偏好：余额至少（元）", "Stored-value lover: balance at least (yuan)"),
      n("rules.portraitThresholds.couponExpiringDays", "优惠券将到期（天）", "Coupon expiring (days)"),
      n("rules.portraitThresholds.contactedDays", "已联系（天内）", "Contacted (within days)"),
    ],
  },
  {
    key: "consultant",
    title: ["顾问提成阈值", "Consultant thresholds"],
    fields: [
      y("rules.consultant.monthlyTargetFen", "月度目标（元）", "Monthly target (yuan)"),
      y("rules.consultant.targetBonusFen", "达标奖金（元）", "Target bonus (yuan)"),
      n("rules.consultant.shortfallDeductPercent", "未达标扣减 %", "Shortfall deduction %"),
      n("rules.consultant.excessBonusPercent", "超额奖励 %", "Excess bonus %"),
      n("rules.consultant.multipliers.newFirstPurchase", "新会员首购倍数 %", "New member first purchase %"),
      n("rules.consultant.multipliers.newRepeatPurchase", "新会员复购倍数 %", "New member repeat purchase %"),
      n("rules.consultant.multipliers.lostWonBack", "流失召回倍数 %", "Lost member won back %"),
      n("rules.consultant.multipliers.sleepingReactivated", "沉睡唤醒倍数 %", "Sleeping member reactivated %"),
      n("rules.consultant.multipliers.other", "其他消费倍数 %", "Other purchases %"),
      n("rules.consultant.channelPercent.inStore", "门店渠道折算 %", "In-store channel %"),
      n("rules.consultant.channelPercent.online", "线上渠道折算 %", "Online channel %"),
      n("rules.consultant.newMemberDays", "新会员天数", "New member days"),
      n("rules.consultant.lostDays", "流失天数", "Lost after days"),
      n("rules.consultant.sleepingDays", "沉睡天数", "Sleeping after days"),
    ],
  },
];

export const POLICY_CARDS: CardDef[] = [
  {
    key: "store",
    title: ["门店与小票", "Store and receipts"],
    fields: [
      x("device.storeName", "门店名称（终端与小票显示）", "Store name (kiosk and receipt)"),
      x("device.receiptUrlBase", "电子小票链接前缀", "E-receipt URL base", [
        "小票二维码 = 前缀 + 小票编号，须为完整 URL",
        "The receipt QR code is this base + the receipt id; a full URL",
      ]),
      b("device.loosePickList", "顾客屏显示散装商品选择列表", "Customer display offers the loose-item pick list"),
    ],
  },
  {
    key: "display",
    title: ["顾客屏与员工页", "Customer display and staff pages"],
    fields: [
      {
        ...e("device.display.languages", "显示语言", "Languages shown", ["zh+en", "zh"]),
        hint: ["zh+en：中文下附英文（默认）；zh：只显示中文", "zh+en: Chinese with English underneath (default); zh: Chinese only"],
      },
    ],
  },
  {
    key: "verification",
    title: ["人脸照片核验", "Photo verification"],
    fields: [
      t("device.verification.cardClasses", "需核验的卡类", "Card classes checked"),
      b("device.verification.secondaryCards", "副卡都核验", "Check every secondary card"),
      b("device.verification.firstUseOfDay", "当天首次使用核验", "Check the first visit of the day"),
      n("device.verification.oneInN", "随机抽检：每 N 人 1 次（0 = 不抽检）", "Check one member in N (0 = never)"),
      n("device.verification.timeoutMs", "核验超时（毫秒）", "Verification timeout (ms)"),
    ],
  },
  {
    key: "gate",
    title: ["付费会员店门禁", "Entrance gate"],
    fields: [
      t("device.gate.deviceIds", "作为门禁的终端", "Kiosks that are gates"),
      t("device.gate.paidCardClasses", "可开门的卡类（空 = 所有 VIP 卡类）", "Card classes that open it (empty: every VIP class)"),
      n("device.gate.pulseMs", "开门脉冲（毫秒）", "Relay pulse (ms)"),
    ],
  },
  {
    key: "offline",
    title: ["离线限额", "Offline limits"],
    fields: [
      y("device.offlineLimits.balanceFenPerMemberPerDay", "每位会员每天离线储值（元）", "Offline stored value per member per day (yuan)"),
      n("device.offlineLimits.pointsPerMemberPerDay", "每位会员每天离线积分", "Offline points per member per day"),
      y("device.offlineLimits.shoppingCardFenPerMemberPerDay", "每位会员每天离线购物卡（元）", "Offline shopping cards per member per day (yuan)"),
      n("device.authorisationTimeoutMs", "等待总部授权（毫秒）", "Wait for the hub's authorisation (ms)"),
    ],
  },
  {
    key: "returns",
    title: ["退货与取货", "Returns and claims"],
    fields: [
      n("device.returns.windowDays", "可退货天数", "Returns up to days old"),
      n("device.claims.validMinutes", "收银台取货单有效（分钟）", "Counter claim ticket valid (minutes)"),
    ],
  },
  {
    key: "session",
    title: ["会话超时", "Session timeouts"],
    fields: [
      n("device.session.shoppingIdleMs", "购物无操作取消（毫秒）", "Shopping idle cancel (ms)"),
      n("device.session.doneMs", "小票页停留（毫秒）", "Receipt screen stays (ms)"),
      n("device.session.cancelledMs", "取消提示停留（毫秒）", "Cancel message stays (ms)"),
      n("device.session.returnIdleMs", "退货模式无操作关闭（毫秒）", "Return mode idle close (ms)"),
      n("device.staffSession.idleMinutes", "店员登录空闲退出（分钟）", "Staff sign-in idle (minutes)"),
      n("device.staffSession.maxFailedPins", "PIN 最多错误次数", "Wrong PINs before lockout"),
      n("device.staffSession.lockoutMinutes", "锁定时长（分钟）", "Lockout (minutes)"),
      n("device.memberCodeWindowSeconds", "会员码有效窗口（秒）", "Member code window (s)"),
    ],
  },
];

export const SCALE_CARD: CardDef = {
  key: "scaleLabels",
  title: ["秤码标签（店内条码）", "Scale labels (in-store barcodes)"],
  fields: [
    x("rules.scaleLabels.prefix", "前缀（2 或 20-29）", "Prefix (2 or 20-29)"),
    n("rules.scaleLabels.pluDigits", "PLU 位数（4-6）", "PLU digits (4-6)"),
    n("rules.scaleLabels.valueDigits", "金额 / 重量位数（4-6）", "Value digits (4-6)", [
      "前缀 + PLU + 校验位 + 数值位 + 1 = 13",
      "prefix + PLU + check digit + value + 1 = 13",
    ]),
    e("rules.scaleLabels.value", "数值表示", "The value is", ["price", "weight"]),
    b("rules.scaleLabels.priceCheckDigit", "含价格校验位", "Price check digit"),
    kv("rules.scaleLabels.plus", "PLU → 商品编码", "PLU -> sku", "text", ["每项 PLU=商品编码，如 12345=apple-kg", "Each entry PLU=sku, e.g. 12345=apple-kg"]),
    t("rules.scaleLabels.pickList", "散装选择列表（商品编码，最多 24）", "Loose-item pick list (skus, 24 at most)"),
  ],
};

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** A copy of `obj` with `value` at `path` (objects created on the way). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return obj;
  const child = obj[head];
  const next =
    rest.length === 0
      ? value
      : setPath(typeof child === "object" && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {}, rest.join("."), value);
  return { ...obj, [head]: next };
}

/** The section key a field is validated under: rules.<top> or device. */
export function sectionOf(path: string): string {
  const parts = path.split(".");
  return parts[0] === "device" ? "device" : `${parts[0]}.${parts[1]}`;
}
