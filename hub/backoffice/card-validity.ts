// A member card's validity (会员卡有效期, seed 000): HQ sets it; a VIP purchase replaces it with the VIP's expiry and the VIP's end restores it (protocol/rules/vip.ts).
import { z } from "zod";
import { HQ } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { EpochMs, MemberParams, Reason } from "./schemas.js";
import { transact } from "./work.js";

export function registerCardValidityRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "put",
      path: "/members/:id/card-validity",
      tag: "vip",
      summary: "Set a member card's validity (epoch ms, exclusive; null: no expiry)",
      description:
        "While the member is VIP the card's validity is the VIP's expiry: the value set here is the one restored when the VIP ends (seed 000: 付费升级后, 会员卡有效期将变更为VIP会员到期日, 到期后会自动恢复为付费前的有效期). Audited.",
      roles: HQ,
      params: MemberParams,
      body: z.strictObject({ validUntil: EpochMs.nullable(), reason: Reason }),
      response: z.looseObject({ cardValidUntil: EpochMs.nullable(), restoresTo: EpochMs.nullable(), vip: z.boolean() }),
      errors: { 404: "no such member" },
    },
    ({ params, body, actor }) =>
      transact(d.db, d.registry, (w) => {
        const m = d.data.get(params.id);
        const before = d.data.vipState(m);
        const next = before.vip ? { ...before, vip: { ...before.vip, previousValidUntil: body.validUntil } } : { ...before, cardValidUntil: body.validUntil };
        d.data.saveVipInTx(params.id, next, w);
        const after = { cardValidUntil: next.cardValidUntil, restoresTo: next.vip ? next.vip.previousValidUntil : null, vip: next.vip !== null };
        d.audit.recordInTx({
          actor,
          action: "card.validity",
          entity: "member",
          entityId: params.id,
          before: { cardValidUntil: before.cardValidUntil, restoresTo: before.vip?.previousValidUntil ?? null },
          after,
          note: body.reason,
        });
        return after;
      }),
  );
}
