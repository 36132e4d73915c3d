// Plain-text rendering of a what-if report: the receipt as a table, then points, level, VIP, top-up, refund, consultant and portraits.
import type { WhatIfReport } from "./whatif.js";
import { consultantLines, topUpRefundLines, yuan } from "./whatif-format-parts.js";
import { localTime } from "./whatif-time.js";

export { yuan };

function table(head: string[], rows: string[][], right: readonly number[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}

function kv(pairs: [string, string][]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n");
}

export function formatWhatIf(r: WhatIfReport): string {
  const off = r.utcOffsetMinutes;
  /** Every instant is printed in store-local time with its offset, never as UTC. */
  const when = (at: number | null): string => (at === null ? "-" : localTime(at, off));
  const out: string[] = [`What-if at ${r.atLocal}, store day ${r.localDate}`];
  const c = r.receipt;
  if (c) {
    out.push("", `Receipt (${c.channel}, member ${c.memberId ?? "guest"})`);
    out.push(
      table(
        ["#", "item", "qty", "unit", "member", "price", "line", "discount", "total", "pts cash", "to pay", "points"],
        c.lines.map((l) => [
          String(l.index),
          l.name,
          String(l.qty),
          yuan(l.unitPriceFen),
          yuan(l.memberUnitPriceFen),
          l.priceSource,
          yuan(l.lineMemberFen),
          yuan(l.orderDiscountFen),
          yuan(l.lineTotalFen),
          yuan(l.pointsCashFen),
          yuan(l.payableFen),
          String(l.pointsEarned),
        ]),
        [2, 3, 4, 6, 7, 8, 9, 10, 11],
      ),
    );
    const t = c.totals;
    out.push(
      "",
      kv([
        ["subtotal", yuan(t.subtotalFen)],
        ["member savings", `-${yuan(t.memberSavingsFen)}`],
        ["coupons", `-${yuan(t.couponDiscountFen)}`],
        ["cash rounding", `-${yuan(t.cashRoundingFen)}`],
        ["total", yuan(t.totalFen)],
        ["points as cash", `-${yuan(t.pointsCashFen)} (${t.pointsRedeemed} points)`],
        ["to pay", yuan(t.payableFen)],
        ["you saved", yuan(t.savingsFen)],
      ]),
    );
    for (const a of c.appliedCoupons) out.push(`  coupon ${a.instanceId} (${a.name}): -${yuan(a.discountFen)} on lines ${a.lines.join(", ")}`);
    for (const x of c.rejectedCoupons) out.push(`  coupon ${x.instanceId} not used: ${x.reason}`);
    if (c.pointsRedemption.rejected) out.push(`  points as cash not used: ${c.pointsRedemption.rejected}`);
  }
  if (r.tenders) {
    const p = r.tenders;
    out.push(
      "",
      "Tenders",
      kv([
        ...((p.shoppingCardFen ?? 0) > 0 ? ([[`shopping card ${p.shoppingCardId ?? ""}`, yuan(p.shoppingCardFen ?? 0)]] as Array<[string, string]>) : []),
        ["balance (principal)", yuan(p.balancePrincipalFen)],
        ["balance (bonus)", yuan(p.balanceBonusFen)],
        ["external payment", yuan(p.externalFen)],
      ]),
    );
    if (p.balanceAfter) out.push(`  balance after: principal ${yuan(p.balanceAfter.principalFen)}, bonus ${yuan(p.balanceAfter.bonusFen)}`);
  }
  if (r.return) {
    const t = r.return.totals;
    out.push("", `Return of ${t.qty} unit(s)${r.return.wholeOrderReturned ? " (whole order)" : ""}`);
    out.push(
      kv([
        ["refund", yuan(t.refundFen)],
        ...((t.shoppingCardFen ?? 0) > 0 ? ([["to the shopping card", yuan(t.shoppingCardFen ?? 0)]] as Array<[string, string]>) : []),
        ["to balance", `${yuan(t.principalFen)} principal, ${yuan(t.bonusFen)} bonus`],
        ["to external payment", yuan(t.externalFen)],
        ["points given back", String(t.pointsGivenBack)],
        ["points taken back", String(t.pointsTakenBack)],
        ["points kept (extras)", String(t.pointsKept)],
      ]),
    );
  }
  if (r.points) {
    const m = c?.pointsMultiplier;
    const events = m && m.events.length > 0 ? `, events ${m.events.map((e) => `${e.name} x${e.percent / 100}`).join(", ")}` : "";
    out.push(
      "",
      `Points: +${r.points.earned} earned (x${m?.total ?? "1"}: level x${(m?.levelPercent ?? 100) / 100}${events}; ${r.points.returnable} returnable), -${r.points.redeemed} spent${r.points.balanceAfter === null ? "" : `, balance after ${r.points.balanceAfter}`}`,
    );
  }
  const raised = r.topUp?.levelChange;
  if (raised) {
    out.push(
      "",
      `Level: ${raised.from ?? "(level not given)"} -> ${raised.to} (by top-up) from ${raised.effectiveOn}${raised.validUntil ? ` until ${raised.validUntil}` : ""} (${raised.reason})`,
    );
  }
  if (r.level) {
    const l = r.level;
    out.push(
      ...(raised ? [] : [""]),
      `Level: ${l.kind} ${l.from} -> ${l.to} from ${l.effectiveOn}${l.validUntil ? ` until ${l.validUntil}` : ""}${l.resetGrowth ? ", growth reset to 0" : ""} (${l.reason})`,
    );
  } else if (!raised && (c || r.portraits)) out.push("", "Level: no change");
  if (r.vip) {
    const e = r.vip.expiry;
    if (e)
      out.push("", `VIP: expired ${when(r.vip.expiredAt)}, back to ${e.classAfter}${e.expiresAt === null ? "" : ` (card valid until ${when(e.expiresAt)})`}`);
    const q = r.vip.quote;
    if (q)
      out.push(
        "",
        `VIP ${q.kind}: ${q.record.classBefore} -> ${q.record.classAfter}, price ${yuan(q.priceFen)}, until ${when(q.record.expiresAt)}${q.bonusDays ? `, bonus ${q.bonusDays} days` : ""}${q.couponPackIds.length ? `, coupon packs ${q.couponPackIds.join(", ")}` : ""}`,
      );
    if (!e && !q) out.push("", `VIP: no change${r.vip.activeUntil === null ? "" : ` (VIP until ${when(r.vip.activeUntil)})`}`);
  }
  if (r.topUp) {
    const t = r.topUp;
    out.push(
      "",
      `Top-up ${yuan(t.amountFen)} (${t.rule ? t.rule.name : "no rule"}): +${yuan(t.principalFen)} principal, +${yuan(t.bonusFen)} bonus${t.points ? `, +${t.points} points` : ""}${t.upgradeToLevelId ? `, level ${t.upgradeToLevelId}` : ""}${t.vipPlanId ? `, VIP ${t.vipPlanId}` : ""}`,
    );
    if (t.vipGift) out.push(`  VIP gift: ${t.vipGift.classBefore} -> ${t.vipGift.classAfter} until ${when(t.vipGift.expiresAt)}`);
    for (const n of t.notGiven) out.push(`  not given: ${n}`);
  }
  if (r.topUpRefund) out.push("", ...topUpRefundLines(r.topUpRefund));
  if (r.consultant) out.push("", ...consultantLines(r.consultant));
  if (r.portraits) out.push("", `Portrait: ${r.portraits.frequency}${r.portraits.tags.length ? `; tags ${r.portraits.tags.join(", ")}` : ""}`);
  if (r.yearlyClear.action !== "none") out.push("", `Yearly points clear: ${r.yearlyClear.action} (on ${r.yearlyClear.clearOn ?? "-"}; cannot be undone)`);
  return `${out.join("\n")}\n`;
}
