// The member app's own routes: summary (profile, level, VIP/PLUS, balances, coupons, plans, headshot rule), ledgers, purchases and their receipts, scoped to the member the proof belongs to.
import { z } from "zod";
import { addDays } from "../../protocol/rules/time.js";
import { yearlyClearAction } from "../../protocol/rules/points.js";
import { vipActive } from "../../protocol/rules/vip.js";
import { HubError } from "../errors.js";
import { STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "../backoffice/deps.js";
import type { Caller, Routes } from "../backoffice/route.js";
import { Id, MemberParams, QueryInt } from "../backoffice/schemas.js";
import { effectiveCardClass } from "../backoffice/member-data.js";
import { plusState } from "../backoffice/plus.js";
import { receiptView } from "./receipts.js";

const need = (caller: Caller | undefined): Caller => {
  if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member request proof is required");
  return caller;
};

/** Which headshot rule applies now: none on file (upload), uploaded today (replace until midnight), or locked (staff must delete). */
export function headshotRule(
  onFile: boolean,
  uploadedOn: string | null,
  today: string,
): { rule: "upload" | "replace-today" | "locked"; lockedFrom: string | null } {
  if (!onFile) return { rule: "upload", lockedFrom: null };
  if (uploadedOn === today) return { rule: "replace-today", lockedFrom: addDays(today, 1) };
  return { rule: "locked", lockedFrom: uploadedOn ? addDays(uploadedOn, 1) : null };
}

export function registerSelfRoutes(r: Routes, d: BackofficeDeps): void {
  r.open(
    {
      method: "get",
      path: "/members/:id/app/summary",
      tag: "member-app",
      summary: "Everything the member centre shows: card, level and benefits, VIP/PLUS, points, stored value, coupons, plans, headshot rule",
      roles: STAFF,
      member: true,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, caller }) => {
      const m = d.data.visibleTo(need(caller), params.id);
      const now = d.clock.now();
      const profile = d.data.profile(params.id);
      const rules = d.data.rulesFor(params.id);
      const today = d.data.today(params.id);
      const level = rules.levels.find((l) => l.id === m.levelId);
      const cls = effectiveCardClass(m, now);
      const vip = d.data.vipState(m);
      const clear = yearlyClearAction(rules, today);
      const couponName = (id: string): string => rules.coupons.find((c) => c.id === id)?.name ?? id;
      const config = profile.homeStoreId ? d.configs.latest(profile.homeStoreId) : undefined;
      const secondary =
        d.db.prepare("SELECT COUNT(*) AS n FROM secondary_cards WHERE primary_member_id = ? AND state <> 'cancelled'").get<{ n: number }>(params.id)?.n ?? 0;
      return {
        serverTime: now,
        member: {
          memberId: m.memberId,
          cardId: m.cardId,
          name: m.name,
          status: m.status,
          levelId: m.levelId,
          levelName: level?.name ?? m.levelId,
          levelBenefits: level?.benefits ?? "",
          cardClass: cls,
          cardClassName: rules.cardClasses.find((c) => c.id === cls)?.name ?? cls,
          cardKeyState: profile.cardKeyState,
          homeStoreId: profile.homeStoreId,
          primaryMemberId: m.primaryMemberId ?? null,
        },
        vip: { active: vipActive(vip, now), expiresAt: m.vipExpiresAt ?? null, planHistory: vip.planHistory },
        plus: plusState(d, params.id),
        points: {
          balance: m.pointsBalance,
          yearlyClear: rules.points.yearlyClear ? { action: clear.action, clearOn: clear.clearOn } : null,
        },
        storedValue: { totalFen: m.balanceFen, principalFen: m.balanceFen - m.bonusBalanceFen, bonusFen: m.bonusBalanceFen },
        coupons: m.coupons
          .filter((c) => c.expiresOn >= today)
          .map((c) => ({
            instanceId: c.instanceId,
            couponId: c.couponId,
            name: couponName(c.couponId),
            validFrom: c.validFrom ?? null,
            expiresOn: c.expiresOn,
          })),
        vipPlans: rules.vipPlans
          .filter((p) => p.enabled)
          .map((p) => ({
            planId: p.id,
            classId: p.classId,
            className: rules.cardClasses.find((c) => c.id === p.classId)?.name ?? p.classId,
            periodDays: p.periodDays,
            priceFen: p.pricesByClass[cls] ?? p.priceFen,
            bonus: p.bonus ?? null,
          })),
        headshot: {
          onFile: m.headshotHash !== undefined,
          uploadedOn: profile.headshotUploadedOn,
          today,
          ...headshotRule(m.headshotHash !== undefined, profile.headshotUploadedOn, today),
        },
        secondaryCards: {
          count: secondary,
          maxPerMember: d.settings.get().secondaryCards.maxPerMember,
          canCreate: m.primaryMemberId === undefined && vipActive(vip, now),
        },
        codeWindowSeconds: config?.content.device.memberCodeWindowSeconds ?? 60,
      };
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/app/ledger",
      tag: "member-app",
      summary: "The member's own points or stored-value history, newest first",
      roles: STAFF,
      member: true,
      params: MemberParams,
      query: z.strictObject({
        kind: z.enum(["points", "balance"]),
        limit: QueryInt(1, 200).default(50),
        beforeId: z.coerce.number().int().positive().optional(),
      }),
      errors: { 404: "no such member" },
    },
    ({ params, query, caller }) => {
      d.data.visibleTo(need(caller), params.id);
      return { balances: d.ledger.balances(params.id), entries: d.ledger.history(params.id, query.kind, query.limit, query.beforeId) };
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/app/purchases",
      tag: "member-app",
      summary: "The member's purchases at the kiosks, newest first",
      roles: STAFF,
      member: true,
      params: MemberParams,
      query: z.strictObject({ limit: QueryInt(1, 200).default(50) }),
      errors: { 404: "no such member" },
    },
    ({ params, query, caller }) => {
      d.data.visibleTo(need(caller), params.id);
      const purchases = d.db
        .prepare("SELECT sale_id, at, total_fen, savings_fen, points_earned FROM sales WHERE member_id = ? ORDER BY at DESC, sale_id DESC LIMIT ?")
        .all<{ sale_id: string; at: number; total_fen: number; savings_fen: number; points_earned: number }>(params.id, query.limit)
        .map((s) => ({ saleId: s.sale_id, at: s.at, totalFen: s.total_fen, savingsFen: s.savings_fen, pointsEarned: s.points_earned }));
      return { purchases };
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/app/purchases/:saleId",
      tag: "member-app",
      summary: "One of the member's purchases as its e-receipt shows it",
      roles: STAFF,
      member: true,
      params: z.strictObject({ id: Id, saleId: Id }),
      errors: { 404: "no such member or sale" },
    },
    ({ params, caller }) => {
      d.data.visibleTo(need(caller), params.id);
      const owner = d.db.prepare("SELECT member_id FROM sales WHERE sale_id = ?").get<{ member_id: string }>(params.saleId)?.member_id;
      const view = owner === params.id ? receiptView(d.db, params.saleId) : undefined;
      if (!view) throw new HubError("NOT_FOUND", "no such purchase");
      return view;
    },
  );
}
