// Issuing coupons: to one member, to a segment in a batch (quantity / budget limit, report, recall), and the automatic gifts (registration, birthday, level reached), each recorded in coupon_issues.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { RulesConfig } from "../../protocol/rules/config.js";
import { addDays, type IsoDate } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { MANAGERS, isHq, requireStore, type Principal } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { MemberRecord } from "../../protocol/messages.js";
import type { Routes } from "./route.js";
import { MemberParams, PositiveFen, Reason, Id } from "./schemas.js";
import { SegmentQuery, findMembers } from "./segments.js";
import { transact, type Work } from "./work.js";
import { CouponGiftSchema, type CouponGift } from "./coupon-gift.js";

export { CouponGiftSchema, type CouponGift };

export type IssueSource = "manual" | "batch" | "registration" | "birthday" | "level";

interface IssueMeta {
  source: IssueSource;
  batchId?: string | undefined;
  /** Once-only key (registration:<member>, birthday:<year>:<member>, level:<level>:<member>): a second issue with it gives nothing. */
  onceKey?: string | undefined;
}

/** Inside the caller's transaction: gives the coupons (they reach kiosks through the member changelog) and records each instance. */
export function issueCouponsInTx(
  d: BackofficeDeps,
  w: Work,
  memberId: string,
  rules: RulesConfig,
  today: IsoDate,
  gift: CouponGift,
  meta: IssueMeta,
): MemberRecord["coupons"] {
  if (meta.onceKey !== undefined) {
    if (d.db.prepare("SELECT 1 FROM coupon_once WHERE once_key = ?").get(meta.onceKey) !== undefined) return [];
    d.db.prepare("INSERT INTO coupon_once (once_key, member_id, at) VALUES (?, ?, ?)").run(meta.onceKey, memberId, d.clock.now());
  }
  const given =
    "packId" in gift
      ? d.data.giveCouponsInTx(memberId, rules, today, { couponPackIds: [gift.packId] }, w)
      : d.data.giveCouponsInTx(memberId, rules, today, { coupons: [{ couponId: gift.couponId, count: gift.count }], validDays: gift.validDays }, w);
  const ins = d.db.prepare(
    "INSERT INTO coupon_issues (instance_id, batch_id, member_id, coupon_id, source, issued_at, valid_from, expires_on, recalled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
  );
  for (const c of given) ins.run(c.instanceId, meta.batchId ?? null, memberId, c.couponId, meta.source, d.clock.now(), c.validFrom ?? today, c.expiresOn);
  return given;
}

/** Face value of one coupon for budgets: amount off, else the percent coupon's cap, else the free item's price; null when unbounded. */
export function couponValueFen(rules: RulesConfig, couponId: string): number | null {
  const c = rules.coupons.find((x) => x.id === couponId);
  if (!c) throw new HubError("REFUSED", `no coupon '${couponId}' in the rules`, { reason: "UNKNOWN_COUPON" });
  if (c.kind === "amount-off") return c.offFen ?? null;
  if (c.kind === "percent-off") return c.maxOffFen ?? null;
  const p = rules.catalog.find((x) => x.sku === c.sku);
  return p ? p.priceFen * c.freeQty : null;
}

function giftCoupons(rules: RulesConfig, gift: CouponGift): Array<{ couponId: string; count: number }> {
  if ("couponId" in gift) return [{ couponId: gift.couponId, count: gift.count }];
  const pack = rules.couponPacks.find((p) => p.id === gift.packId);
  if (!pack) throw new HubError("REFUSED", `no coupon pack '${gift.packId}' in the rules`, { reason: "UNKNOWN_COUPON_PACK" });
  return pack.coupons.map((c) => ({ couponId: c.couponId, count: c.count }));
}

type IssueState = "outstanding" | "used" | "expired" | "recalled";

function stateOf(
  d: BackofficeDeps,
  row: { instance_id: string; member_id: string; expires_on: string; recalled_at: number | null },
  today: IsoDate,
): IssueState {
  if (row.recalled_at !== null) return "recalled";
  const used = d.db.prepare("SELECT 1 FROM sales WHERE member_id = ? AND coupons LIKE ?").get(row.member_id, `%"${row.instance_id}"%`) !== undefined;
  if (used) return "used";
  const held = d.registry.get(row.member_id)?.coupons.some((c) => c.instanceId === row.instance_id) ?? false;
  return held && row.expires_on >= today ? "outstanding" : row.expires_on < today ? "expired" : "used";
}

interface BatchRow {
  batch_id: string;
  store_id: string | null;
  name: string;
  gift: string;
  max_count: number | null;
  budget_fen: number | null;
  value_fen: number | null;
  issued: number;
  members: number;
  stopped_by: string | null;
  created_at: number;
  actor: string;
  recalled_at: number | null;
}

function batchReport(d: BackofficeDeps, b: BatchRow): Record<string, unknown> {
  const today = d.rules.storeDay(b.store_id, d.clock.now());
  const rows = d.db
    .prepare("SELECT instance_id, member_id, expires_on, recalled_at FROM coupon_issues WHERE batch_id = ?")
    .all<{ instance_id: string; member_id: string; expires_on: string; recalled_at: number | null }>(b.batch_id);
  const counts: Record<IssueState, number> = { outstanding: 0, used: 0, expired: 0, recalled: 0 };
  for (const r of rows) counts[stateOf(d, { ...r, recalled_at: r.recalled_at === null ? null : Number(r.recalled_at) }, today)]++;
  return {
    batchId: b.batch_id,
    storeId: b.store_id,
    name: b.name,
    gift: JSON.parse(b.gift) as unknown,
    maxCount: b.max_count === null ? null : Number(b.max_count),
    budgetFen: b.budget_fen === null ? null : Number(b.budget_fen),
    valueFen: b.value_fen === null ? null : Number(b.value_fen),
    members: Number(b.members),
    issued: rows.length,
    ...counts,
    stoppedBy: b.stopped_by,
    createdAt: Number(b.created_at),
    actor: b.actor,
    recalledAt: b.recalled_at === null ? null : Number(b.recalled_at),
  };
}

/** Takes unused, unexpired instances back from their members (kiosks drop them through the changelog); returns how many. */
function recallInTx(d: BackofficeDeps, w: Work, rows: ReadonlyArray<{ instance_id: string; member_id: string; expires_on: string }>, today: IsoDate): number {
  let n = 0;
  const byMember = new Map<string, Set<string>>();
  for (const r of rows) {
    if (stateOf(d, { ...r, recalled_at: null }, today) !== "outstanding") continue;
    const set = byMember.get(r.member_id) ?? new Set<string>();
    set.add(r.instance_id);
    byMember.set(r.member_id, set);
  }
  const mark = d.db.prepare("UPDATE coupon_issues SET recalled_at = ? WHERE instance_id = ?");
  for (const [memberId, ids] of byMember) {
    const m = d.registry.get(memberId);
    if (!m) continue;
    w.add(d.registry.updateInTx(memberId, { coupons: m.coupons.filter((c) => !ids.has(c.instanceId)) }));
    for (const id of ids) mark.run(d.clock.now(), id);
    n += ids.size;
  }
  return n;
}

const BatchBody = z.strictObject({
  storeId: Id,
  name: z.string().trim().min(1).max(100),
  gift: CouponGiftSchema,
  /** The segment (the filters of GET /bo/members, as strings), or explicit member ids. */
  segment: z.record(z.string(), z.string().max(200)).optional(),
  memberIds: z.array(Id).min(1).max(10_000).optional(),
  /** Stop after this many coupons. */
  maxCount: z.number().int().min(1).max(1_000_000).optional(),
  /** Stop before the coupons' face value would pass this. */
  budgetFen: PositiveFen.optional(),
});

export function registerCouponIssueRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "post",
      path: "/members/:id/coupons",
      tag: "coupons",
      summary: "Give one member coupons (one coupon of the rules, count times, or a pack); they reach the kiosks through the member changelog",
      roles: MANAGERS,
      params: MemberParams,
      body: z.strictObject({ storeId: Id, gift: CouponGiftSchema, reason: Reason }),
      idempotent: true,
      status: 201,
      errors: { 404: "no such member", 422: "UNKNOWN_COUPON, UNKNOWN_COUPON_PACK, TOO_MANY_COUPONS" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "coupon.issue", params.id, { memberId: params.id, ...body }, (w) => {
        const coupons = issueCouponsInTx(d, w, params.id, d.rules.forStore(body.storeId), d.rules.storeDay(body.storeId, d.clock.now()), body.gift, {
          source: "manual",
        });
        d.audit.recordInTx({
          actor,
          action: "coupon.issue",
          entity: "member",
          entityId: params.id,
          storeId: body.storeId,
          before: null,
          after: { coupons },
          note: body.reason,
        });
        return { memberId: params.id, coupons };
      }).result;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/coupon-batches",
      tag: "coupons",
      summary: "Issue coupons to a segment (or listed members) in one batch, stopping at maxCount coupons or before budgetFen of face value",
      description:
        "Members are taken in member-number order from the segment (the filters of GET /bo/members) within the caller's stores. Each member gets the gift once. A budget needs coupons with a face value (amount off, a percent coupon's cap, or a free item's price).",
      roles: MANAGERS,
      body: BatchBody,
      idempotent: true,
      status: 201,
      errors: { 422: "UNKNOWN_COUPON, UNKNOWN_COUPON_PACK, COUPON_VALUE_UNKNOWN, NO_AUDIENCE" },
    },
    ({ body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      if ((body.segment === undefined) === (body.memberIds === undefined)) throw new HubError("INVALID_INPUT", "give exactly one of segment or memberIds");
      const rules = d.rules.forStore(body.storeId);
      const perMember = giftCoupons(rules, body.gift);
      let value: number | null = 0;
      for (const c of perMember) {
        const v = couponValueFen(rules, c.couponId);
        value = value === null || v === null ? null : value + v * c.count;
      }
      if (body.budgetFen !== undefined && value === null)
        throw new HubError("REFUSED", "a budget needs coupons with a face value", { reason: "COUPON_VALUE_UNKNOWN" });
      const audience = body.memberIds ?? segmentMembers(d, principal, body.storeId, body.segment ?? {});
      if (audience.length === 0) throw new HubError("REFUSED", "no member matches the segment", { reason: "NO_AUDIENCE" });
      const count = perMember.reduce((a, c) => a + c.count, 0);
      return d.ops.run(idempotencyKey!, "coupon.batch", null, body, (w) => {
        const batchId = `cb_${randomBytes(8).toString("hex")}`;
        const today = d.rules.storeDay(body.storeId, d.clock.now());
        let issued = 0;
        let members = 0;
        let stoppedBy: string | null = null;
        for (const memberId of audience) {
          if (body.maxCount !== undefined && issued + count > body.maxCount) {
            stoppedBy = "quantity";
            break;
          }
          if (body.budgetFen !== undefined && (members + 1) * (value ?? 0) > body.budgetFen) {
            stoppedBy = "budget";
            break;
          }
          d.data.visibleTo(principal, memberId);
          issued += issueCouponsInTx(d, w, memberId, rules, today, body.gift, { source: "batch", batchId }).length;
          members++;
        }
        d.db
          .prepare(
            "INSERT INTO coupon_batches (batch_id, store_id, name, gift, max_count, budget_fen, value_fen, issued, members, stopped_by, created_at, actor, recalled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
          )
          .run(
            batchId,
            body.storeId,
            body.name,
            JSON.stringify(body.gift),
            body.maxCount ?? null,
            body.budgetFen ?? null,
            value,
            issued,
            members,
            stoppedBy,
            d.clock.now(),
            actor.id,
          );
        d.audit.recordInTx({
          actor,
          action: "coupon.batch",
          entity: "coupon-batch",
          entityId: batchId,
          storeId: body.storeId,
          before: null,
          after: { issued, members, stoppedBy },
        });
        return batchReport(d, batch(d, batchId));
      }).result;
    },
  );

  r.staff(
    {
      method: "get",
      path: "/coupon-batches/:batchId",
      tag: "coupons",
      summary: "A batch's report: issued, outstanding, used, expired, recalled",
      roles: MANAGERS,
      params: z.strictObject({ batchId: z.string().regex(/^cb_[a-f0-9]{16}$/) }),
      errors: { 404: "no such batch" },
    },
    ({ params, principal }) => {
      const b = batch(d, params.batchId);
      if (b.store_id !== null) requireStore(principal, b.store_id);
      return batchReport(d, b);
    },
  );

  r.staff(
    {
      method: "post",
      path: "/coupon-batches/:batchId/recall",
      tag: "coupons",
      summary: "Recall a batch: its unused, unexpired coupons leave their members (and the kiosks)",
      roles: MANAGERS,
      params: z.strictObject({ batchId: z.string().regex(/^cb_[a-f0-9]{16}$/) }),
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such batch" },
    },
    ({ params, body, principal, actor }) => {
      const b = batch(d, params.batchId);
      if (b.store_id !== null) requireStore(principal, b.store_id);
      return transact(d.db, d.registry, (w) => {
        const rows = d.db
          .prepare("SELECT instance_id, member_id, expires_on FROM coupon_issues WHERE batch_id = ? AND recalled_at IS NULL")
          .all<{ instance_id: string; member_id: string; expires_on: string }>(b.batch_id);
        const recalled = recallInTx(d, w, rows, d.rules.storeDay(b.store_id, d.clock.now()));
        d.db.prepare("UPDATE coupon_batches SET recalled_at = ? WHERE batch_id = ?").run(d.clock.now(), b.batch_id);
        d.audit.recordInTx({
          actor,
          action: "coupon.recall",
          entity: "coupon-batch",
          entityId: b.batch_id,
          storeId: b.store_id,
          before: null,
          after: { recalled },
          note: body.reason,
        });
        return { ...batchReport(d, batch(d, b.batch_id)), recalledNow: recalled };
      });
    },
  );

  r.staff(
    {
      method: "post",
      path: "/coupons/:instanceId/recall",
      tag: "coupons",
      summary: "Recall one issued coupon (unused and unexpired) from its member",
      roles: MANAGERS,
      params: z.strictObject({ instanceId: z.string().regex(/^c[a-f0-9]{16}$/) }),
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such issued coupon", 409: "NOT_OUTSTANDING (used, expired or recalled already)" },
    },
    ({ params, body, principal, actor }) => {
      const row = d.db
        .prepare("SELECT instance_id, member_id, expires_on FROM coupon_issues WHERE instance_id = ? AND recalled_at IS NULL")
        .get<{ instance_id: string; member_id: string; expires_on: string }>(params.instanceId);
      if (!row) throw new HubError("NOT_FOUND", `no outstanding issued coupon ${params.instanceId}`);
      d.data.visibleTo(principal, row.member_id);
      return transact(d.db, d.registry, (w) => {
        const home = d.data.profile(row.member_id).homeStoreId;
        const n = recallInTx(d, w, [row], d.rules.storeDay(home, d.clock.now()));
        if (n === 0) throw new HubError("CONFLICT", "the coupon was used or has expired", { reason: "NOT_OUTSTANDING" });
        d.audit.recordInTx({
          actor,
          action: "coupon.recall",
          entity: "member",
          entityId: row.member_id,
          storeId: home,
          before: null,
          after: { instanceId: row.instance_id },
          note: body.reason,
        });
        return { instanceId: row.instance_id, memberId: row.member_id, state: "recalled" };
      });
    },
  );
}

function batch(d: BackofficeDeps, batchId: string): BatchRow {
  const b = d.db.prepare("SELECT * FROM coupon_batches WHERE batch_id = ?").get<BatchRow>(batchId);
  if (!b) throw new HubError("NOT_FOUND", `no coupon batch ${batchId}`);
  return b;
}

function segmentMembers(d: BackofficeDeps, p: Principal, storeId: string, segment: Record<string, string>): string[] {
  const parsed = SegmentQuery.safeParse({ ...segment, storeId: segment["storeId"] ?? (isHq(p) ? undefined : storeId) });
  if (!parsed.success) throw new HubError("INVALID_INPUT", `segment: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const out: string[] = [];
  for (let offset = 0; out.length < 100_000; offset += 1000) {
    const page = findMembers(d, p, { ...parsed.data, limit: 1000, offset }).members.map((m) => String(m["memberId"]));
    out.push(...page);
    if (page.length < 1000) break;
  }
  return out;
}

// ------------------------------------------------------------------ automatic gifts

/** Inside createMemberInTx: the registration gift (settings.coupons.registration), once per member; not for imports or secondary cards. */
export function giveRegistrationGiftInTx(d: BackofficeDeps, w: Work, memberId: string, storeId: string | null, channel: string, secondary: boolean): void {
  const gift = d.settings.get().coupons.registration;
  if (!gift || channel === "import" || secondary) return;
  const today = d.rules.storeDay(storeId, d.clock.now());
  issueCouponsInTx(d, w, memberId, storeId ? d.rules.forStore(storeId) : d.rules.chain(), today, gift, {
    source: "registration",
    onceKey: `registration:${memberId}`,
  });
}

/** Inside applyLevelChangeInTx: the gift pack of the level reached (settings.coupons.levelGifts), once per member and level. */
export function giveLevelGiftInTx(d: BackofficeDeps, w: Work, memberId: string, levelId: string, storeId: string | null): void {
  const packId = d.settings.get().coupons.levelGifts[levelId];
  if (packId === undefined) return;
  const today = d.rules.storeDay(storeId, d.clock.now());
  issueCouponsInTx(
    d,
    w,
    memberId,
    storeId ? d.rules.forStore(storeId) : d.rules.chain(),
    today,
    { packId },
    { source: "level", onceKey: `level:${levelId}:${memberId}` },
  );
}

/**
 * The daily birthday coupons for store-local `day`: members whose birthday is `daysBefore` days
 * ahead get the gift, once per member and birthday year (29 February birthdays on 28 February in
 * other years). Idempotent: running a day twice gives nothing more. Returns how many members got it.
 */
export function runBirthdayCoupons(d: BackofficeDeps, day: IsoDate, actor: Actor): number {
  const cfg = d.settings.get().coupons.birthday;
  if (!cfg) return 0;
  const target = addDays(day, cfg.daysBefore);
  const md = target.slice(5);
  const year = target.slice(0, 4);
  const leap = Number(year) % 4 === 0 && (Number(year) % 100 !== 0 || Number(year) % 400 === 0);
  const days = md === "02-28" && !leap ? ["02-28", "02-29"] : [md];
  const rows = d.db
    .prepare(
      `SELECT p.member_id, p.home_store_id FROM member_profiles p JOIN members m ON m.member_id = p.member_id
       WHERE p.birth_date IS NOT NULL AND substr(p.birth_date, 6, 5) IN (${days.map(() => "?").join(", ")}) AND m.status = 'active' ORDER BY p.member_id`,
    )
    .all<{ member_id: string; home_store_id: string | null }>(...days);
  let n = 0;
  for (const r of rows) {
    transact(d.db, d.registry, (w) => {
      const storeId = r.home_store_id;
      const given = issueCouponsInTx(d, w, r.member_id, storeId ? d.rules.forStore(storeId) : d.rules.chain(), day, cfg.gift, {
        source: "birthday",
        onceKey: `birthday:${year}:${r.member_id}`,
      });
      if (given.length > 0) {
        n++;
        d.audit.recordInTx({ actor, action: "coupon.birthday", entity: "member", entityId: r.member_id, storeId, before: null, after: { coupons: given } });
      }
    });
  }
  return n;
}
