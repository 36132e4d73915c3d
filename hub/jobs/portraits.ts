// The daily portrait job: each member's frequency portrait and tags, recomputed with the thresholds of their home store.
import type { BackofficeDeps } from "../backoffice/deps.js";
import { hasTable } from "../backoffice/member-data.js";
import { openingOf } from "../backoffice/member-openings.js";
import { memberPortraits, type MemberHistory } from "../../protocol/rules/portraits.js";
import { addDays, localDate, startOfLocalDay, type IsoDate } from "../../protocol/rules/time.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import type { PortraitThresholds } from "../../protocol/rules/config.js";

/** The longest window any threshold looks back over. */
function horizonDays(t: PortraitThresholds): number {
  return Math.max(
    t.newDays,
    t.lostDays,
    t.sleeping.someInDays,
    t.sleeping.noneInDays,
    t.onePurchaseDays,
    t.active.days,
    t.highlyActive.days,
    t.loyal.days,
    t.loyal.orDays,
    t.returnProne.days,
    t.contactedDays,
  );
}

/** A member's history as the portrait rules want it, as of `day`. */
export function memberHistory(d: BackofficeDeps, memberId: string, day: IsoDate): { history: MemberHistory; thresholds: PortraitThresholds } {
  const m = d.data.get(memberId);
  const profile = d.data.profile(memberId);
  const rules = d.rules.forStore(profile.homeStoreId);
  const t = rules.portraitThresholds;
  const end = startOfLocalDay(addDays(day, 1), rules.utcOffsetMinutes);
  const start = startOfLocalDay(addDays(day, -horizonDays(t)), rules.utcOffsetMinutes);
  const purchases = d.db
    .prepare("SELECT at, total_fen FROM sales WHERE member_id = ? AND at >= ? AND at < ?")
    .all<{ at: number; total_fen: number }>(memberId, start, end)
    .map((s) => ({ date: localDate(s.at, rules.utcOffsetMinutes), amountFen: Math.max(0, s.total_fen) }));
  const returns = hasTable(d.db, "returns")
    ? d.db
        .prepare("SELECT at FROM returns WHERE member_id = ? AND at >= ? AND at < ?")
        .all<{ at: number }>(memberId, start, end)
        .map((x) => ({ date: localDate(x.at, rules.utcOffsetMinutes) }))
    : [];
  const refunded = hasTable(d.db, "returns")
    ? (d.db.prepare("SELECT COALESCE(SUM(refund_fen), 0) AS v FROM returns WHERE member_id = ? AND at < ?").get<{ v: number }>(memberId, end)?.v ?? 0)
    : 0;
  const lifetime = d.db.prepare("SELECT COALESCE(SUM(total_fen), 0) AS v FROM sales WHERE member_id = ? AND at < ?").get<{ v: number }>(memberId, end)?.v ?? 0;
  const toppedUp =
    d.db
      .prepare("SELECT COALESCE(SUM(principal_fen - refunded_principal_fen), 0) AS v FROM top_ups WHERE member_id = ? AND at < ?")
      .get<{ v: number }>(memberId, end)?.v ?? 0;
  // An imported member: the old system's figures count, and the hub knows their purchases from the import day.
  const opening = openingOf(d.db, memberId);
  const contacts = d.db
    .prepare("SELECT DISTINCT day FROM member_contacts WHERE member_id = ? AND day >= ? AND day <= ?")
    .all<{ day: string }>(memberId, addDays(day, -t.contactedDays), day)
    .map((c) => c.day);
  return {
    thresholds: t,
    history: {
      cardIssuedOn: profile.cardIssuedOn <= day ? profile.cardIssuedOn : day,
      ...(opening ? { knownSince: opening.importedOn <= day ? opening.importedOn : day } : {}),
      purchases,
      returns,
      lifetimeSpendFen: Math.max(0, lifetime - refunded + (opening?.spendFen ?? 0)),
      cumulativeTopUpFen: Math.max(0, toppedUp + (opening?.topUpFen ?? 0)),
      coupons: m.coupons.map((c) => ({ expiresOn: c.expiresOn })),
      contacts,
    },
  };
}

/**
 * Recomputes every member's portraits for `day`; idempotent (the row is replaced). Yields to the
 * event loop between batches, so kiosk traffic keeps flowing during a run over many members.
 */
export async function computePortraits(d: BackofficeDeps, day: IsoDate, batch = 1000): Promise<number> {
  let after = "";
  let n = 0;
  for (;;) {
    const ids = d.db.prepare("SELECT member_id FROM members WHERE member_id > ? ORDER BY member_id LIMIT ?").all<{ member_id: string }>(after, batch);
    if (ids.length === 0) return n;
    d.db.transaction(() => {
      for (const { member_id } of ids) {
        try {
          const { history, thresholds } = memberHistory(d, member_id, day);
          const p = memberPortraits(thresholds, history, day);
          d.db
            .prepare(
              `INSERT INTO member_portraits (member_id, frequency, tags, computed_on) VALUES (?, ?, ?, ?)
               ON CONFLICT (member_id) DO UPDATE SET frequency = excluded.frequency, tags = excluded.tags, computed_on = excluded.computed_on`,
            )
            .run(member_id, p.frequency, JSON.stringify(p.tags), day);
          n++;
        } catch (err) {
          if (!isRulesError(err)) throw err;
          d.log.warn({ member: member_id, err: err.message }, "portrait not computed");
        }
      }
    });
    after = ids.at(-1)!.member_id;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
