// The list sections of the rules as form tables: levels (with downgrade, per-category discounts, paid upgrade reward), coupons (with scopes and stacking group), coupon packs, top-up rules (with channels, days, bonus coupons and punch cards), VIP plans and PLUS plans (with prices by class and bonus), card classes, holidays, periods, member days, item earning rules, redemption tiers, and the device policy's store kiosks; each column a path inside one item, each list checked with the kiosks' item schema.
import { z } from "zod";
import { DevicePolicySchema } from "../../../../../protocol/device-policy.js";
import {
  CardClassSchema,
  CouponDefSchema,
  CouponPackSchema,
  HolidayDateSchema,
  IsoDateSchema,
  LevelSchema,
  MultiplierPercentSchema,
  PlusPlanSchema,
  PointsRuleSchema,
  TopUpRuleSchema,
  VipPlanSchema,
} from "../../../../../protocol/rules/config.js";
import type { KvValue } from "./KvInput";

export type ColKind = "text" | "number" | "yuan" | "boolean" | "enum" | "tags" | "numtags" | "idcount" | "kv" | "ranges";
type Pair = readonly [string, string];
export interface ColDef {
  /** Path inside one item: name, downgrade.kind, bonus.balanceFen. */
  path: string;
  label: Pair;
  kind: ColKind;
  options?: readonly string[];
  /** idcount: the id key of each {id, count} entry. */
  idKey?: string;
  /** kv: how each `key=value` entry's value is typed. */
  kvValue?: KvValue;
}
export interface ListDef {
  key: string;
  /** The list's path in the bundle. */
  path: string;
  title: Pair;
  item: z.ZodType;
  columns: ColDef[];
  newItem: () => Record<string, unknown>;
}

const c = (path: string, zh: string, en: string, kind: ColKind, extra: Partial<ColDef> = {}): ColDef => ({ path, label: [zh, en], kind, ...extra });
const CHANNELS = ["kiosk", "till", "online"] as const;
const LEVEL_CHANNELS = ["till", "online"] as const;
const multiplier = (p: string) => c(p, "倍数 %", "Multiplier %", "number");
const MemberDay = z.strictObject({ name: z.string().min(1), days: z.record(z.string(), z.unknown()), percent: MultiplierPercentSchema.min(100) });
const Holiday = z.strictObject({ name: z.string().min(1), date: HolidayDateSchema, percent: MultiplierPercentSchema.min(100) });
const Period = z.strictObject({ name: z.string().min(1), from: IsoDateSchema, to: IsoDateSchema, percent: MultiplierPercentSchema.min(100) });
/** Bonus coupons (id*count) and punch cards (id*count) of a BonusSchema at `at`. */
const bonusCols = (at: string): ColDef[] => [
  c(`${at}.coupons`, "赠送券（编码*张数）", "Bonus coupons (id*count)", "idcount", { idKey: "couponId" }),
  c(`${at}.punchCards`, "赠送次卡（编码*次数）", "Punch cards (id*count)", "idcount", { idKey: "id" }),
];
const ItemRule = z.strictObject({
  sku: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  brand: z.string().min(1).optional(),
  rule: PointsRuleSchema,
});
const Tier = z.strictObject({ points: z.number().int().min(1), fen: z.number().int().positive() });

export const RULE_LISTS: ListDef[] = [
  {
    key: "levels",
    path: "rules.levels",
    title: ["会员等级（升级 / 降级规则）", "Levels (upgrade and downgrade rules)"],
    item: LevelSchema,
    newItem: () => ({ id: "", name: "", discountPercent: 100 }),
    columns: [
      c("id", "等级编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("discountPercent", "支付 %", "Pays %", "number"),
      c("pointsMultiplierPercent", "积分倍数 %", "Points %", "number"),
      c("earnsPoints", "积分", "Earns", "boolean"),
      c("defaultFor", "默认于", "Default for", "tags", { options: LEVEL_CHANNELS }),
      c("upgradeThreshold", "升级门槛", "Upgrade at", "number"),
      c("paidUpgradeFen", "付费升级（元）", "Paid upgrade (yuan)", "yuan"),
      c("validityDays", "有效天数", "Valid days", "number"),
      c("downgrade.kind", "降级方式", "Downgrade", "enum", { options: ["", "recompute", "to-level", "by-balance"] }),
      c("downgrade.levelId", "降到等级", "Down to level", "text"),
      c("downgrade.ranges", "按余额降级（元 起-止=等级）", "By balance (yuan from-to=level)", "ranges"),
      c("excludedCategories", "不打折分类", "No-discount categories", "tags"),
      c("categoryDiscountPercent", "分类支付 %（分类=%）", "Pays % by category (category=%)", "kv", { kvValue: "number" }),
      c("paidUpgradeReward.points", "付费升级赠积分", "Paid upgrade: points", "number"),
      c("paidUpgradeReward.balanceFen", "付费升级赠余额（元）", "Paid upgrade: balance (yuan)", "yuan"),
      c("paidUpgradeReward.couponPackIds", "付费升级赠券包", "Paid upgrade: coupon packs", "tags"),
      ...bonusCols("paidUpgradeReward"),
    ],
  },
  {
    key: "cardClasses",
    path: "rules.cardClasses",
    title: ["卡类", "Card classes"],
    item: CardClassSchema,
    newItem: () => ({ id: "", name: "" }),
    columns: [
      c("id", "卡类编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("vip", "VIP 付费卡", "VIP", "boolean"),
      c("discountPercent", "支付 %", "Pays %", "number"),
    ],
  },
  {
    key: "coupons",
    path: "rules.coupons",
    title: ["优惠券", "Coupons"],
    item: CouponDefSchema,
    newItem: () => ({ id: "", name: "", kind: "amount-off" }),
    columns: [
      c("id", "券编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("kind", "类型", "Kind", "enum", { options: ["amount-off", "percent-off", "free-item"] }),
      c("origin", "来源", "Origin", "enum", { options: ["standard", "birthday", "gift", "channel", "pack"] }),
      c("thresholdFen", "满（元）", "Spend (yuan)", "yuan"),
      c("offFen", "减（元）", "Off (yuan)", "yuan"),
      c("percent", "支付 %", "Pays %", "number"),
      c("maxOffFen", "最多减（元）", "Max off (yuan)", "yuan"),
      c("sku", "赠品编码", "Free sku", "text"),
      c("freeQty", "赠品件数", "Free quantity", "number"),
      c("scope.categories", "限分类", "Categories", "tags"),
      c("scope.skus", "限商品", "Skus", "tags"),
      c("scope.brands", "限品牌", "Brands", "tags"),
      c("scope.excludeSkus", "排除商品", "Except skus", "tags"),
      c("scope.excludeCategories", "排除分类", "Except categories", "tags"),
      c("scope.excludePromotional", "促销品除外", "Not on promotions", "boolean"),
      c("channels", "渠道", "Channels", "tags", { options: CHANNELS }),
      c("birthdayOnly", "生日限定", "Birthday only", "enum", { options: ["no", "day", "month"] }),
      c("memberDaysOnly", "会员日专享", "Member days only", "boolean"),
      c("exclusive", "不可叠加", "Exclusive", "boolean"),
      c("group", "叠加分组", "Stacking group", "text"),
      c("maxPerOrder", "每单张数", "Per order", "number"),
    ],
  },
  {
    key: "couponPacks",
    path: "rules.couponPacks",
    title: ["券包", "Coupon packs"],
    item: CouponPackSchema,
    newItem: () => ({ id: "", name: "", coupons: [] }),
    columns: [
      c("id", "券包编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("coupons", "券（编码*张数）", "Coupons (id*count)", "idcount", { idKey: "couponId" }),
      c("validDays", "有效天数", "Valid days", "number"),
    ],
  },
  {
    key: "topUpRules",
    path: "rules.topUpRules",
    title: ["充值规则", "Top-up rules"],
    item: TopUpRuleSchema,
    newItem: () => ({ id: "", name: "" }),
    columns: [
      c("id", "规则编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("amountFen", "固定金额（元）", "Fixed amount (yuan)", "yuan"),
      c("minAmountFen", "起充（元）", "From (yuan)", "yuan"),
      c("target", "充入", "Into", "enum", { options: ["balance", "shopping-card"] }),
      c("stores", "门店（空 = 全部）", "Stores (empty: all)", "tags"),
      c("channels", "渠道（未设 = 全部）", "Channels (unset: all)", "tags", { options: CHANNELS }),
      c("days.weekdays", "星期（1-7）", "Weekdays (1-7)", "numtags"),
      c("days.daysOfMonth", "每月几号", "Days of month", "numtags"),
      c("days.dates", "指定日期（YYYY-MM-DD）", "Dates (YYYY-MM-DD)", "tags"),
      c("levels", "等级（空 = 全部）", "Levels (empty: all)", "tags"),
      c("from", "开始日期", "From", "text"),
      c("to", "结束日期", "To", "text"),
      c("bonus.balanceFen", "赠送余额（元）", "Bonus balance (yuan)", "yuan"),
      c("bonus.balancePercent", "赠送 %", "Bonus %", "number"),
      c("bonus.points", "赠送积分", "Bonus points", "number"),
      c("bonus.couponPackIds", "赠送券包", "Coupon packs", "tags"),
      ...bonusCols("bonus"),
      c("bonus.shoppingCardFen", "赠送购物卡（元）", "Shopping card (yuan)", "yuan"),
      c("bonus.vipPlanId", "赠送 VIP 方案", "VIP plan", "text"),
      c("bonus.upgradeToLevelId", "升级到等级", "Upgrade to level", "text"),
      c("oncePerMember", "每人一次", "Once per member", "boolean"),
    ],
  },
  {
    key: "vipPlans",
    path: "rules.vipPlans",
    title: ["VIP 付费方案", "VIP plans"],
    item: VipPlanSchema,
    newItem: () => ({ id: "", classId: "", periodDays: 365, priceFen: 0 }),
    columns: [
      c("id", "方案编码", "Id", "text"),
      c("classId", "卡类", "Card class", "text"),
      c("periodDays", "天数", "Days", "number"),
      c("priceFen", "价格（元）", "Price (yuan)", "yuan"),
      c("pricesByClass", "按现卡类价格（卡类=元）", "Price by current class (class=yuan)", "kv", { kvValue: "yuan" }),
      c("upgrade", "其他卡类升级", "Upgrade from others", "enum", { options: ["repay", "difference"] }),
      c("bonus.from", "赠送活动开始", "Bonus from", "text"),
      c("bonus.to", "赠送活动结束", "Bonus to", "text"),
      c("bonus.when", "赠送时机", "Bonus when", "enum", { options: ["", "open", "open-or-renew", "renew-before-expiry"] }),
      c("bonus.extraDays", "赠送天数", "Extra days", "number"),
      c("bonus.couponPackIds", "赠送券包", "Coupon packs", "tags"),
      c("oncePerMember", "每人一次", "Once per member", "boolean"),
      c("enabled", "启用", "Enabled", "boolean"),
    ],
  },
  {
    key: "plusPlans",
    path: "rules.plusPlans",
    title: ["PLUS会员方案", "PLUS plans"],
    item: PlusPlanSchema,
    newItem: () => ({ id: "", name: "", periodDays: 366, priceFen: 0 }),
    columns: [
      c("id", "方案编码", "Id", "text"),
      c("name", "名称", "Name", "text"),
      c("description", "说明", "Description", "text"),
      c("periodDays", "天数", "Days", "number"),
      c("priceFen", "默认价格（元）", "Default price (yuan)", "yuan"),
      c("pricesByClass", "卡类专享售价（卡类=元）", "Price by card class (class=yuan)", "kv", { kvValue: "yuan" }),
      c("bonus.from", "赠送活动开始", "Bonus from", "text"),
      c("bonus.to", "赠送活动结束", "Bonus to", "text"),
      c("bonus.when", "赠送前提", "Bonus when", "enum", { options: ["", "open", "open-or-renew", "renew-before-expiry"] }),
      c("bonus.extraDays", "额外赠送天数", "Extra days", "number"),
      c("bonus.couponPackIds", "赠送券包", "Coupon packs", "tags"),
      c("enabled", "启用", "Enabled", "boolean"),
    ],
  },
  {
    key: "holidays",
    path: "rules.points.multipliers.holidays",
    title: ["节日积分倍数", "Holiday multipliers"],
    item: Holiday,
    newItem: () => ({ name: "", date: "", percent: 200 }),
    columns: [c("name", "名称", "Name", "text"), c("date", "日期（MM-DD 或 YYYY-MM-DD）", "Date (MM-DD or YYYY-MM-DD)", "text"), multiplier("percent")],
  },
  {
    key: "periods",
    path: "rules.points.multipliers.periods",
    title: ["活动期积分倍数", "Period multipliers"],
    item: Period,
    newItem: () => ({ name: "", from: "", to: "", percent: 200 }),
    columns: [
      c("name", "名称", "Name", "text"),
      c("from", "开始日期（YYYY-MM-DD）", "From (YYYY-MM-DD)", "text"),
      c("to", "结束日期（YYYY-MM-DD）", "To (YYYY-MM-DD)", "text"),
      multiplier("percent"),
    ],
  },
  {
    key: "memberDays",
    path: "rules.points.multipliers.memberDays",
    title: ["会员日", "Member days"],
    item: MemberDay,
    newItem: () => ({ name: "", days: {}, percent: 200 }),
    columns: [
      c("name", "名称", "Name", "text"),
      c("days.weekdays", "星期（1-7）", "Weekdays (1-7)", "numtags"),
      c("days.daysOfMonth", "每月几号", "Days of month", "numtags"),
      multiplier("percent"),
    ],
  },
  {
    key: "itemRules",
    path: "rules.points.itemRules",
    title: ["商品 / 分类积分规则", "Item and category earning rules"],
    item: ItemRule,
    newItem: () => ({ rule: { kind: "none" } }),
    columns: [
      c("sku", "商品编码", "Sku", "text"),
      c("category", "分类", "Category", "text"),
      c("brand", "品牌", "Brand", "text"),
      c("rule.kind", "方式", "Rule", "enum", { options: ["none", "fixed", "percent", "per-amount"] }),
      c("rule.points", "每件积分", "Points each", "number"),
      c("rule.percent", "金额 %", "Percent", "number"),
      c("rule.fenPerPoint", "每分需（分）", "Fen per point", "number"),
    ],
  },
  {
    key: "tiers",
    path: "rules.points.redemption.tiers",
    title: ["积分抵现档位", "Redemption tiers"],
    item: Tier,
    newItem: () => ({ points: 100, fen: 100 }),
    columns: [c("points", "积分", "Points", "number"), c("fen", "抵（元）", "Off (yuan)", "yuan")],
  },
];

/** The device policy's lists (store policy tab). */
export const POLICY_LISTS: ListDef[] = [
  {
    key: "storeKiosks",
    path: "device.storeKiosks",
    title: ["店内终端（门店员工页访问地址）", "The store's kiosks (as the store staff page reaches them)"],
    item: DevicePolicySchema.shape.storeKiosks.unwrap().element,
    newItem: () => ({ deviceId: "", url: "" }),
    columns: [c("deviceId", "终端编号", "Device id", "text"), c("url", "地址（http://主机:端口）", "URL (http://host:port)", "text")],
  },
];
