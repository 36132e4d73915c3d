// Levels: the chain's level rules (HQ only), a member's level state and metrics, paid upgrades, and the evaluation the level jobs apply.
import { z } from "zod";
import { checkDowngrade, checkUpgrade, quotePaidUpgrade, type LevelChange, type LevelMember } from "../../protocol/rules/levels.js";
import { LevelSchema, LevelUpgradeRuleSchema, parseRulesConfig, type RulesConfig } from "../../protocol/rules/config.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import { addDays, startOfLocalDay, type IsoDate } from "../../protocol/rules/time.js";
import type { MemberRecord } from "../../protocol/messages.js";
import { HubError } from "../errors.js";
import { HQ, STAFF, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Fen, Id, MemberParams, PaymentSchema } from "./schemas.js";
import { takePaymentInTx } from "./payments.js";
import { raiseLevelInTx } from "./topups.js";
import { transact, type Work } from "./work.js";
import { givePunchCardsInTx, shoppingCardForInTx } from "./stored-cards.js";
import { epochSecondsToDateSql } from "../sql-dialect.js";
import { giveLevelGiftInTx } from "./coupons-issue.js";
import { openingOf } from "./member-openings.js";

/** Growth value per sale: one per whole yuan of what the member paid. */
export const growthOf = (totalFen: number): number => Math.max(0, Math.floor(totalFen / 100));

/**
 * The level metrics of a member as they stood at `asOf` (default: everything so far): cumulative spend and top-ups
 * (with an imported member's opening figures from the old system) and the points balance exclude what happened from `asOf` on, so a threshold reached today counts
 * from tomorrow even when the job runs late.
 */
export function levelMember(d: BackofficeDeps, memberId: string, asOf = Number.MAX_SAFE_INTEGER): LevelMember {
  const m = d.data.get(memberId);
  const s = d.data.levelState(memberId);
  const rules = d.rules.chain();
  const one = (sql: string, ...args: Array<string | number>): number => d.db.prepare(sql).get<{ v: number }>(...args)?.v ?? 0;
  const spend = one("SELECT COALESCE(SUM(total_fen), 0) AS v FROM sales WHERE member_id = ? AND at < ?", memberId, asOf);
  const toppedUp = one("SELECT COALESCE(SUM(principal_fen), 0) AS v FROM top_ups WHERE member_id = ? AND at < ?", memberId, asOf);
  const refunded = one("SELECT COALESCE(SUM(principal_fen), 0) AS v FROM top_up_refunds WHERE member_id = ? AND at < ?", memberId, asOf);
  const pointsSince = one("SELECT COALESCE(SUM(delta), 0) AS v FROM points_log WHERE member_id = ? AND at >= ?", memberId, asOf);
  // Imported members: the old system's cumulative spend and top-up come before anything the hub recorded.
  const opening = openingOf(d.db, memberId);
  const open = opening && opening.at < asOf ? opening : undefined;
  const windowStart = startOfLocalDay(s.levelSince, rules.utcOffsetMinutes);
  const windowPoints = one(
    "SELECT COALESCE(SUM(delta), 0) AS v FROM points_log WHERE member_id = ? AND reason = 'sale' AND delta > 0 AND at >= ? AND at < ?",
    memberId,
    windowStart,
    asOf,
  );
  return {
    levelId: m.levelId,
    levelSince: s.levelSince,
    growth: s.growth,
    points: Math.max(0, m.pointsBalance - pointsSince),
    cumulativeSpendFen: Math.max(0, spend + (open?.spendFen ?? 0)),
    cumulativeTopUpFen: Math.max(0, toppedUp - refunded + (open?.topUpFen ?? 0)),
    balanceFen: Math.max(0, m.balanceFen),
    windowGrowth: s.windowGrowth,
    windowPoints: Math.max(0, windowPoints),
  };
}

/** Inside the caller's transaction: applies a level change from the rules (upgrade, downgrade or renewal). */
export function applyLevelChangeInTx(d: BackofficeDeps, w: Work, memberId: string, change: LevelChange, actor: Actor): void {
  const s = d.data.levelState(memberId);
  if (change.to !== change.from) w.add(d.registry.updateInTx(memberId, { levelId: change.to }));
  d.data.saveLevelStateInTx(memberId, { levelSince: change.effectiveOn, growth: change.resetGrowth ? 0 : s.growth, windowGrowth: 0 });
  d.db
    .prepare("INSERT INTO level_changes (member_id, from_level, to_level, kind, effective_on, reason, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(memberId, change.from, change.to, change.kind, change.effectiveOn, change.reason, d.clock.now(), actor.id);
  d.audit.recordInTx({
    actor,
    action: `level.${change.kind}`,
    entity: "member",
    entityId: memberId,
    storeId: d.data.profile(memberId).homeStoreId,
    before: { levelId: change.from, levelSince: s.levelSince },
    after: { levelId: change.to, levelSince: change.effectiveOn, validUntil: change.validUntil },
    note: change.reason,
  });
  if (change.to !== change.from) d.data.syncSecondariesInTx(memberId, w);
  if (change.kind === "upgrade" || change.kind === "paid-upgrade") giveLevelGiftInTx(d, w, memberId, change.to, d.data.profile(memberId).homeStoreId);
}

/**
 * The daily level run for store-local day `day`: downgrades (and renewals) of levels whose validity
 * ended before `day`, then upgrades by points, spend or top-up reached before `day` (effective the
 * next day, so from `day`). Looks at members whose metrics changed (dirty) and members whose level
 * validity ended. Idempotent: a member already changed is not changed again.
 */
export function runDailyLevels(d: BackofficeDeps, day: IsoDate, actor: Actor): { upgrades: number; downgrades: number; renewals: number } {
  const rules = d.rules.chain();
  const out = { upgrades: 0, downgrades: 0, renewals: 0 };
  if (rules.levels.length === 0) return out;
  const cutoff = startOfLocalDay(day, rules.utcOffsetMinutes);
  const offsetSec = rules.utcOffsetMinutes * 60;
  const candidates = new Set<string>(
    d.db
      .prepare("SELECT member_id FROM member_levels WHERE dirty = 1")
      .all<{ member_id: string }>()
      .map((r) => r.member_id),
  );
  for (const level of rules.levels) {
    if (level.validityDays === undefined || !level.downgrade) continue;
    const lastStart = addDays(day, -level.validityDays);
    d.db
      .prepare(
        `SELECT m.member_id FROM members m LEFT JOIN member_levels l ON l.member_id = m.member_id
         WHERE m.level_id = ? AND COALESCE(l.level_since, ${epochSecondsToDateSql(d.db, "m.created_at / 1000 + CAST(? AS BIGINT)")}) <= ?`,
      )
      .all<{ member_id: string }>(level.id, offsetSec, lastStart)
      .forEach((r) => {
        candidates.add(r.member_id);
      });
  }
  const ids = [...candidates].sort();
  for (let i = 0; i < ids.length; i += 500) {
    transact(d.db, d.registry, (w) => {
      for (const id of ids.slice(i, i + 500)) {
        if (!d.registry.get(id) || d.registry.get(id)?.primaryMemberId !== undefined) {
          d.db.prepare("UPDATE member_levels SET dirty = 0 WHERE member_id = ?").run(id);
          continue;
        }
        let change: LevelChange | null = null;
        try {
          const member = levelMember(d, id, cutoff);
          change = checkDowngrade(rules, member, day);
          if (!change && rules.levelUpgrade?.metric !== "growth") {
            const up = checkUpgrade(rules, member, addDays(day, -1));
            if (up && up.effectiveOn <= day) change = up;
          }
        } catch (err) {
          if (!isRulesError(err)) throw err;
          d.log.warn({ member: id, err: err.message }, "level rules cannot evaluate this member; skipped");
        }
        if (change) {
          applyLevelChangeInTx(d, w, id, change, actor);
          if (change.kind === "upgrade") out.upgrades++;
          else if (change.kind === "downgrade") out.downgrades++;
          else out.renewals++;
        }
        d.db.prepare("UPDATE member_levels SET dirty = 0 WHERE member_id = ?").run(id);
      }
    });
  }
  return out;
}

/** Growth upgrades happen at once (after each indexed sale), inside the caller's transaction. */
export function growthUpgradeInTx(d: BackofficeDeps, w: Work, memberId: string, rules: RulesConfig, actor: Actor): boolean {
  if (rules.levelUpgrade?.metric !== "growth") return false;
  const m = d.registry.get(memberId);
  if (!m || m.primaryMemberId !== undefined) return false;
  const change = checkUpgrade(rules, levelMember(d, memberId), d.rules.chainDay(d.clock.now()));
  if (!change) return false;
  applyLevelChangeInTx(d, w, memberId, change, actor);
  return true;
}

const LevelsBody = z.strictObject({ levels: z.array(LevelSchema).min(1).max(100), levelUpgrade: LevelUpgradeRuleSchema.nullable() });

export function registerLevelRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff({ method: "get", path: "/levels", tag: "levels", summary: "The chain's levels and upgrade rule", roles: STAFF }, () => {
    const rules = d.rules.chain();
    return { levels: rules.levels, levelUpgrade: rules.levelUpgrade };
  });

  r.staff(
    {
      method: "put",
      path: "/levels",
      tag: "levels",
      summary: "Set the chain's levels and upgrade rule (HQ only; stores cannot define levels)",
      description: "Written to the chain defaults layer; the kiosks get them with the next publish of each store (POST /stores/:store/publish).",
      roles: HQ,
      body: LevelsBody,
      errors: { 422: "the levels do not fit the rest of the rules (RULES_INVALID_CONFIG)" },
    },
    ({ body, actor }) => {
      const layer = d.configs.getLayer({ kind: "chain" }) ?? {};
      const layerRules = (typeof layer.rules === "object" && layer.rules !== null ? layer.rules : undefined) as Record<string, unknown> | undefined;
      // Without a chain layer (stores published whole configs), the chain layer starts as the rules in force, so it is complete.
      const rulesLayer: Record<string, unknown> = layerRules ?? { ...d.rules.chain() };
      const nextRules = { ...rulesLayer, levels: body.levels, levelUpgrade: body.levelUpgrade };
      try {
        parseRulesConfig(nextRules);
      } catch (err) {
        if (isRulesError(err)) throw new HubError("REFUSED", `levels: ${err.message}`, { reason: "RULES_INVALID_CONFIG" });
        throw err;
      }
      d.db.transaction(() => {
        d.configs.setLayer({ kind: "chain" }, { ...layer, rules: nextRules });
        d.audit.recordInTx({
          actor,
          action: "levels.update",
          entity: "levels",
          entityId: "chain",
          before: { levels: rulesLayer.levels ?? null, levelUpgrade: rulesLayer.levelUpgrade ?? null },
          after: body,
        });
      });
      return { ...body, published: false, note: "publish each store's config for the kiosks to use them" };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/level",
      tag: "levels",
      summary: "A member's level, metrics, what the next evaluation would do, and the history",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      const rules = d.rules.chain();
      const today = d.rules.chainDay(d.clock.now());
      const metrics = levelMember(d, params.id);
      let next: LevelChange | null = null;
      try {
        next = checkDowngrade(rules, metrics, today) ?? checkUpgrade(rules, metrics, today);
      } catch (err) {
        if (!isRulesError(err)) throw err;
      }
      const history = d.db
        .prepare("SELECT from_level, to_level, kind, effective_on, reason, at, actor FROM level_changes WHERE member_id = ? ORDER BY id DESC LIMIT 100")
        .all<{ from_level: string; to_level: string; kind: string; effective_on: string; reason: string; at: number; actor: string }>(params.id)
        .map((h) => ({ from: h.from_level, to: h.to_level, kind: h.kind, effectiveOn: h.effective_on, reason: h.reason, at: h.at, actor: h.actor }));
      return { metrics, next, history };
    },
  );

  /** What buying `levelId` would cost and give: the same rules call the paid upgrade applies. */
  const paidQuote = (m: MemberRecord, storeId: string, levelId: string) => {
    if (m.primaryMemberId !== undefined) throw new HubError("REFUSED", "a secondary card follows its primary's level", { reason: "IS_SECONDARY" });
    d.data.requireActive(m);
    const rules = d.rules.forStore(storeId);
    const today = d.rules.storeDay(storeId, d.clock.now());
    return { rules, today, q: quotePaidUpgrade(rules, m.levelId, levelId, today) };
  };

  r.staff(
    {
      method: "get",
      path: "/members/:id/level/paid-upgrade/quote",
      tag: "levels",
      summary: "What buying a higher level would cost and give (price, reward), without doing it",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({ storeId: Id, levelId: Id }),
      errors: { 404: "no such member", 422: "RULES_LEVEL_NOT_ALLOWED, IS_SECONDARY" },
    },
    ({ params, query, principal }) => {
      requireStore(principal, query.storeId);
      const m = d.data.visibleTo(principal, params.id);
      const { q } = paidQuote(m, query.storeId, query.levelId);
      return { levelBefore: m.levelId, levelId: q.change.to, priceFen: q.priceFen, reward: q.reward, effectiveOn: q.change.effectiveOn };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/level/paid-upgrade",
      tag: "levels",
      summary: "Buy a higher level outright; the level's upgrade reward comes with it",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({ storeId: Id, levelId: Id, payment: PaymentSchema, expectedPriceFen: Fen.optional() }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "RULES_LEVEL_NOT_ALLOWED, PRICE_CHANGED, INSUFFICIENT_BALANCE" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "level.paid-upgrade", params.id, body, (w) => {
        const m = d.data.get(params.id);
        const { rules, today, q } = paidQuote(m, body.storeId, body.levelId);
        if (body.expectedPriceFen !== undefined && body.expectedPriceFen !== q.priceFen) {
          throw new HubError("REFUSED", `the price is now ${q.priceFen} fen, not ${body.expectedPriceFen}`, { reason: "PRICE_CHANGED" });
        }
        const payment = takePaymentInTx(d, w, {
          memberId: params.id,
          amountFen: q.priceFen,
          payment: body.payment,
          rules,
          reason: "level-purchase",
          ref: idempotencyKey!,
        });
        raiseLevelInTx(d, w, { memberId: params.id, rules, toLevelId: body.levelId, kind: "paid-upgrade", reason: "paid upgrade", actor });
        const reward = q.reward;
        const notGiven: string[] = [];
        const cardFen = reward?.shoppingCardFen ?? 0;
        const shoppingCard =
          cardFen > 0 ? { cardId: shoppingCardForInTx(d, { memberId: params.id, storeId: body.storeId, actor }), fen: cardFen, bonusFen: cardFen } : null;
        if (reward && ((reward.balanceFen ?? 0) > 0 || (reward.points ?? 0) > 0 || shoppingCard)) {
          d.ledger.applyInTx(
            {
              memberId: params.id,
              reason: "level-reward",
              ref: idempotencyKey!,
              bonusFen: reward.balanceFen ?? 0,
              points: reward.points ?? 0,
              ...(shoppingCard ? { shoppingCard } : {}),
            },
            w,
          );
        }
        const coupons = reward
          ? d.data.giveCouponsInTx(params.id, rules, today, { coupons: reward.coupons ?? [], couponPackIds: reward.couponPackIds ?? [] }, w)
          : [];
        const punchCards = givePunchCardsInTx(d, {
          memberId: params.id,
          cards: reward?.punchCards ?? [],
          source: "level-reward",
          ref: idempotencyKey!,
          storeId: body.storeId,
        });
        const out = { levelId: body.levelId, priceFen: q.priceFen, payment, reward, coupons, shoppingCard, punchCards, notGiven };
        d.audit.recordInTx({
          actor,
          action: "level.paid-upgrade",
          entity: "member",
          entityId: params.id,
          storeId: body.storeId,
          before: { levelId: m.levelId },
          after: out,
        });
        return out;
      }).result;
    },
  );
}
