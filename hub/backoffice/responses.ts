// Response schemas of the routes the web console reads, for the OpenAPI document (and so the console's generated client); loose objects: they name the fields callers rely on, answers may carry more.
import { z } from "zod";
import type { AnySpec } from "./route.js";

const Ms = z.number().int();
const Fen = z.number().int();
const Str = z.string();
const NStr = z.string().nullable();
const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const Person = obj({ userId: Str, name: Str, role: z.enum(["hq-admin", "store-manager", "counter-staff"]), stores: z.array(Str), permissions: z.array(Str) });
const SignedIn = Person.extend({ csrfToken: Str });
const Coupon = obj({ couponId: Str, expiresOn: Str.optional() });
const MemberRecord = obj({
  memberId: Str,
  cardId: Str,
  name: Str,
  levelId: Str,
  cardClass: Str,
  status: z.enum(["active", "blocked"]),
  pointsBalance: z.number().int(),
  balanceFen: Fen,
  bonusBalanceFen: Fen.optional(),
  vipExpiresAt: Ms.optional(),
  baseCardClass: Str.optional(),
  headshotHash: Str.optional(),
  coupons: z.array(Coupon),
});
const Profile = obj({
  phone: NStr,
  gender: NStr,
  birthDate: NStr,
  homeStoreId: NStr,
  channel: Str,
  cardIssuedOn: Str,
  cardKeyState: z.enum(["enrolled", "none"]),
  headshotUploadedOn: NStr,
  blockedReason: NStr,
});
const PlusState = obj({ active: z.boolean(), since: Ms.nullable(), expiresAt: Ms.nullable() });
const PlusQuote = obj({
  kind: z.enum(["purchase", "renewal"]),
  planId: Str,
  priceFen: Fen,
  cardClass: Str,
  bonusDays: z.number().int(),
  couponPackIds: z.array(Str),
  since: Ms,
  expiresAt: Ms,
  previousExpiresAt: Ms.nullable(),
});
export const MemberView = obj({
  member: MemberRecord,
  effectiveCardClass: Str,
  stores: z.array(Str),
  profile: Profile,
  vip: obj({ active: z.boolean(), cardValidUntil: Ms.nullable() }),
  level: obj({ levelSince: Str, growth: z.number() }),
  portraits: obj({ frequency: Str, tags: z.array(Str) }).nullable(),
  consultant: obj({ consultantId: Str }).nullable(),
  primaryMemberId: NStr,
  plus: PlusState,
  shoppingCards: obj({ count: z.number().int(), totalFen: Fen }),
});
const Balances = obj({ pointsBalance: z.number().int(), balanceFen: Fen, bonusFen: Fen, principalFen: Fen, availableFen: Fen });
const TopUp = obj({
  topUpId: Str,
  storeId: Str,
  amountFen: Fen,
  principalFen: Fen,
  bonusFen: Fen,
  points: z.number().int(),
  ruleId: NStr,
  bonusEdited: z.boolean(),
  payment: obj({ method: Str }),
  refunded: obj({ principalFen: Fen, bonusFen: Fen, points: z.number().int() }),
  at: Ms,
  actor: Str,
});
/** What a level's paid upgrade gives besides the level. */
const LevelReward = obj({ points: z.number().int().optional(), balanceFen: Fen.optional(), couponPackIds: z.array(Str).optional() });
const Entry = obj({ id: z.number().int(), reason: Str, ref: Str, at: Ms });

/** `method path` (as declared below /bo) to its answer. */
export const RESPONSES: Record<string, z.ZodType> = {
  "get /auth/session": obj({ setupNeeded: z.boolean(), user: Person.nullable(), csrfToken: NStr, idleExpiresAt: Ms.nullable(), idleMinutes: z.number().int() }),
  "post /auth/setup": SignedIn,
  "post /auth/sign-in": SignedIn,
  "post /auth/link": SignedIn,
  "post /auth/sign-out": obj({ ok: z.boolean() }),
  "get /me": obj({ userId: Str, role: Str, stores: z.array(Str), permissions: z.array(Str) }),
  "get /search/members": obj({
    total: z.number().int(),
    totalCapped: z.boolean(),
    matchedBy: z.enum(["code", "text"]),
    members: z.array(
      obj({
        memberId: Str,
        cardId: Str,
        name: Str,
        phone: NStr,
        levelId: Str,
        cardClass: Str,
        status: Str,
        pointsBalance: z.number().int(),
        balanceFen: Fen,
        vipExpiresAt: Ms.nullable(),
        homeStoreId: NStr,
      }),
    ),
  }),
  "get /members/:id": MemberView,
  "post /members": MemberView,
  "post /members/:id/block": MemberView,
  "post /members/:id/unblock": MemberView,
  "get /members/:id/ledger": obj({
    balances: Balances,
    entries: z.array(Entry.extend({ points: z.number().int().optional(), totalFen: Fen.optional(), principalFen: Fen.optional(), bonusFen: Fen.optional() })),
  }),
  "get /members/:id/top-ups/quote": obj({
    amountFen: Fen,
    principalFen: Fen,
    bonusFen: Fen,
    points: z.number().int(),
    rule: obj({ id: Str, name: Str }).nullable(),
    upgradeToLevelId: NStr,
    vipPlanId: NStr,
    notGiven: z.array(z.unknown()),
  }),
  "post /members/:id/top-ups": TopUp.extend({ balances: Balances }),
  "get /members/:id/top-ups": obj({ topUps: z.array(TopUp) }),
  "post /top-ups/:topUpId/refund": obj({ refundId: Str.optional() }),
  "get /vip/plans": obj({
    classes: z.array(obj({ id: Str, name: Str })),
    plans: z.array(obj({ id: Str, classId: Str, periodDays: z.number().int(), priceFen: Fen, enabled: z.boolean(), upgrade: Str.optional() })),
  }),
  "get /members/:id/vip/quote": obj({ kind: Str, priceFen: Fen, bonusDays: z.number().int(), couponPackIds: z.array(Str), classAfter: Str, expiresAt: Ms }),
  "post /members/:id/vip/purchase": obj({ kind: Str, priceFen: Fen, cardClass: Str, expiresAt: Ms }),
  "post /members/:id/vip/upgrade": obj({ kind: Str, priceFen: Fen, cardClass: Str, expiresAt: Ms }),
  "get /members/:id/vip/gift/quote": obj({ kind: Str, planId: Str, classBefore: Str, classAfter: Str, expiresAt: Ms }),
  "post /members/:id/vip/gift": obj({ kind: Str, cardClass: Str, expiresAt: Ms }),
  "get /members/:id/vip/extend/quote": obj({ expiresAt: Ms.nullable(), previousExpiresAt: Ms }),
  "post /members/:id/vip/extend": obj({ expiresAt: Ms.nullable(), previousExpiresAt: Ms }),
  "get /plus/plans": obj({
    classes: z.array(obj({ id: Str, name: Str })),
    plans: z.array(
      obj({
        id: Str,
        name: Str,
        description: Str,
        periodDays: z.number().int(),
        priceFen: Fen,
        pricesByClass: z.record(Str, Fen),
        bonus: obj({ from: Str.optional(), to: Str.optional(), extraDays: z.number().int(), couponPackIds: z.array(Str), when: Str }).optional(),
        enabled: z.boolean(),
      }),
    ),
  }),
  "get /members/:id/plus": PlusState,
  "get /members/:id/plus/quote": PlusQuote,
  "post /members/:id/plus/purchase": PlusQuote.extend({ plus: PlusState, payment: obj({ method: Str, amountFen: Fen, principalFen: Fen, bonusFen: Fen }) }),
  "get /members/:id/plus/records": obj({
    records: z.array(
      obj({
        id: z.number().int(),
        kind: Str,
        planId: Str,
        cardClass: Str,
        at: Ms,
        feeFen: Fen,
        bonusDays: z.number().int(),
        previousExpiresAt: Ms.nullable(),
        expiresAt: Ms,
        note: Str,
        storeId: Str,
        actor: Str,
        paymentMethod: Str,
      }),
    ),
  }),
  "get /members/:id/level/paid-upgrade/quote": obj({ levelBefore: Str, levelId: Str, priceFen: Fen, reward: LevelReward.nullable(), effectiveOn: Str }),
  "post /members/:id/level/paid-upgrade": obj({
    levelId: Str,
    priceFen: Fen,
    reward: LevelReward.nullable(),
    payment: obj({ method: Str, amountFen: Fen }).nullable(),
  }),
  "patch /members/:id": MemberView,
  "post /members/:id/points/adjustments": obj({ points: z.number().int(), pointsBalance: z.number().int() }),
  "delete /members/:id/headshot": obj({ memberId: Str, headshotHash: z.null() }),
  "delete /members/:id/card-key": obj({ cardKeyState: z.enum(["enrolled", "none"]) }),
  "get /members/:id/secondary-cards": obj({ maxPerMember: z.number().int(), cards: z.array(obj({ cardRef: Str.optional(), state: Str.optional() })) }),
  "get /audit": obj({
    entries: z.array(obj({ id: z.number().int(), at: Ms, actor: Str, role: NStr, action: Str, entity: Str, entityId: Str, storeId: NStr, note: NStr })),
  }),
  "get /users": obj({ users: z.array(Person.extend({ active: z.boolean() })) }),
  "post /users": Person.extend({ active: z.boolean() }),
  "patch /users/:userId": Person.extend({ active: z.boolean() }),
  "put /users/:userId/password": obj({ ok: z.boolean(), userId: Str }),
  "get /users/:userId/tokens": obj({ tokens: z.array(obj({ tokenId: Str, label: Str, createdAt: Ms, expiresAt: Ms.nullable(), revokedAt: Ms.nullable() })) }),
  "delete /tokens/:tokenId": obj({ tokenId: Str, revokedAt: Ms.nullable() }),
  "get /stores/:storeId/kiosk-staff": obj({
    version: z.number().int(),
    staff: z.array(obj({ staffId: Str, name: Str, roles: z.array(Str), hasPin: z.boolean() })),
  }),
  "put /stores/:storeId/kiosk-staff/:staffId": obj({ staffId: Str, name: Str, version: z.number().int() }),
  "delete /stores/:storeId/kiosk-staff/:staffId": obj({ staffId: Str, version: z.number().int() }),
  "get /stores": obj({ stores: z.array(Str) }),
  "get /top-ups/rules": obj({
    settings: obj({ anyAmount: z.boolean(), minFen: Fen, multipleOfFen: Fen }),
    rules: z.array(obj({ id: Str, name: Str, target: Str, amountFen: Fen.nullable(), minAmountFen: Fen.nullable() })),
  }),
  "get /members/:id/app/purchases": obj({ purchases: z.array(obj({ saleId: Str, at: Ms, totalFen: Fen, savingsFen: Fen, pointsEarned: z.number().int() })) }),
  "get /members/:id/app/purchases/:saleId": obj({
    saleId: Str,
    lines: z.array(obj({ name: Str, qty: z.number(), lineTotalFen: Fen, savingsFen: Fen })),
    subtotalFen: Fen,
    savingsFen: Fen,
    totalFen: Fen,
  }),
  "post /members/:id/activation": obj({ token: Str, link: Str, expiresAt: Ms }),
  "get /jobs": obj({ jobs: z.array(obj({ job: Str, lastDay: NStr, lastRunAt: Ms.nullable(), lastError: NStr })) }),
  "get /levels": obj({ levels: z.array(obj({ id: Str, name: Str, paidUpgradeFen: Fen.optional() })) }),
  // format=csv answers text/csv instead (the same table); these describe the JSON answer.
  "get /reports/vip": obj({
    period: Str,
    from: Str,
    to: Str,
    storeId: NStr,
    rows: z.array(obj({ period: Str, kind: Str, count: z.number().int(), feeFen: Fen })),
  }),
  "get /reports/top-ups": obj({
    period: Str,
    from: Str,
    to: Str,
    storeId: NStr,
    rows: z.array(
      obj({
        period: Str,
        count: z.number().int(),
        members: z.number().int(),
        amountFen: Fen,
        principalFen: Fen,
        bonusFen: Fen,
        points: z.number().int(),
        refundedPrincipalFen: Fen,
      }),
    ),
  }),
  "get /segments/portraits": obj({ computedOn: NStr, frequency: z.record(Str, z.number().int()), tags: z.record(Str, z.number().int()) }),
};

/** Attaches the schemas above to the declared routes (before the document is built). */
export function attachResponses(specs: readonly AnySpec[], extra: Record<string, z.ZodType> = {}): void {
  const all = { ...RESPONSES, ...extra };
  for (const s of specs) s.response ??= all[`${s.method} ${s.path}`];
}
