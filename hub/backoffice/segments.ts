// Segments: find members by portrait and tags, spend in a date range, bought or did not buy a product, category or brand, expiring coupons, card class, birthday, age, gender, card issue date; contacts; portrait counts.
import { z } from "zod";
import { addDays, startOfLocalDay } from "../../protocol/rules/time.js";
import { FREQUENCY_PORTRAITS } from "../../protocol/rules/portraits.js";
import { HubError } from "../errors.js";
import { STAFF, isHq, requireStore, type Principal } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, IsoDate, MemberParams, Note, QueryInt } from "./schemas.js";
import { epochSecondsToDateSql, jsonArraySql } from "../sql-dialect.js";
import { Format, csvResponse, toCsv } from "./csv.js";

const FREQUENCIES = [...FREQUENCY_PORTRAITS, "none"] as const;
const TAGS = ["new", "return-prone", "stored-value-lover", "coupon-expiring", "contacted"] as const;

/** A comma-separated list in a query string. */
const list = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== ""),
    )
    .pipe(z.array(z.enum(values as unknown as [T, ...T[]])).min(1));

/** `sku:<id>`, `category:<id>` or `brand:<id>`. */
const ProductRef = z.string().regex(/^(sku|category|brand):[A-Za-z0-9_.-]{1,128}$/, "sku:<id>, category:<id> or brand:<id>");

export const SegmentQuery = z.strictObject({
  /** Members whose home store is this one (store roles: one of theirs; default all of theirs). */
  storeId: Id.optional(),
  portrait: list(FREQUENCIES).optional(),
  /** Every tag listed must be present. */
  tags: list(TAGS).optional(),
  spentFrom: IsoDate.optional(),
  spentTo: IsoDate.optional(),
  minSpendFen: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  maxSpendFen: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  bought: ProductRef.optional(),
  boughtWithinDays: QueryInt(1, 3660).default(90),
  notBought: ProductRef.optional(),
  notBoughtWithinDays: QueryInt(1, 3660).default(90),
  /** Holds a coupon that expires within this many days (today included). */
  couponExpiringDays: QueryInt(1, 366).optional(),
  cardClass: Id.optional(),
  levelId: Id.optional(),
  vip: z.enum(["true", "false"]).optional(),
  status: z.enum(["active", "blocked"]).optional(),
  /** `MM-DD` (that day) or `MM` (that month). */
  birthday: z
    .string()
    .regex(/^(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, "MM or MM-DD")
    .optional(),
  ageMin: QueryInt(0, 150).optional(),
  ageMax: QueryInt(0, 150).optional(),
  gender: z.enum(["female", "male", "other"]).optional(),
  issuedFrom: IsoDate.optional(),
  issuedTo: IsoDate.optional(),
  consultantId: Id.optional(),
  limit: QueryInt(1, 1000).default(100),
  offset: QueryInt(0, 100_000_000).default(0),
});
export type SegmentFilter = z.output<typeof SegmentQuery>;

/** Finds members matching every given filter; store roles only see their stores' members. */
export function findMembers(d: BackofficeDeps, p: Principal, q: SegmentFilter): { total: number; members: Array<Record<string, unknown>> } {
  const rules = d.rules.chain();
  const offsetMin = rules.utcOffsetMinutes;
  const now = d.clock.now();
  const today = d.rules.chainDay(now);
  const where: string[] = [];
  const args: Array<string | number> = [];
  const add = (sql: string, ...a: Array<string | number>): void => {
    where.push(sql);
    args.push(...a);
  };
  if (q.storeId) requireStore(p, q.storeId);
  const stores = q.storeId ? [q.storeId] : isHq(p) ? null : p.stores;
  if (stores) add(`p.home_store_id IN (${stores.map(() => "?").join(",")})`, ...stores);
  if (q.portrait) add(`COALESCE(mp.frequency, 'none') IN (${q.portrait.map(() => "?").join(",")})`, ...q.portrait);
  const tag = jsonArraySql(d.db, "mp.tags", "j");
  for (const t of q.tags ?? []) add(`EXISTS (SELECT 1 FROM ${tag.from} WHERE ${tag.value} = ?)`, t);
  if (q.spentFrom || q.spentTo || q.minSpendFen !== undefined || q.maxSpendFen !== undefined) {
    const from = q.spentFrom ? startOfLocalDay(q.spentFrom, offsetMin) : 0;
    const to = q.spentTo ? startOfLocalDay(addDays(q.spentTo, 1), offsetMin) : Number.MAX_SAFE_INTEGER;
    const spend = "(SELECT COALESCE(SUM(s.total_fen), 0) FROM sales s WHERE s.member_id = m.member_id AND s.at >= ? AND s.at < ?)";
    if (q.minSpendFen !== undefined) add(`${spend} >= ?`, from, to, q.minSpendFen);
    else add(`${spend} > 0`, from, to);
    if (q.maxSpendFen !== undefined) add(`${spend} <= ?`, from, to, q.maxSpendFen);
  }
  const productClause = (ref: string): [string, string] => {
    const [kind, id] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
    return [`sl.${kind} = ?`, id];
  };
  if (q.bought) {
    const [clause, id] = productClause(q.bought);
    add(`EXISTS (SELECT 1 FROM sale_lines sl WHERE sl.member_id = m.member_id AND ${clause} AND sl.day >= ?)`, id, addDays(today, -(q.boughtWithinDays - 1)));
  }
  if (q.notBought) {
    const [clause, id] = productClause(q.notBought);
    add(
      `NOT EXISTS (SELECT 1 FROM sale_lines sl WHERE sl.member_id = m.member_id AND ${clause} AND sl.day >= ?)`,
      id,
      addDays(today, -(q.notBoughtWithinDays - 1)),
    );
  }
  if (q.couponExpiringDays !== undefined) {
    const coupon = jsonArraySql(d.db, "m.coupons", "c");
    add(`EXISTS (SELECT 1 FROM ${coupon.from} WHERE ${coupon.field("expiresOn")} BETWEEN ? AND ?)`, today, addDays(today, q.couponExpiringDays - 1));
  }
  // The class the card has now: an expired VIP's record names its base class to revert to.
  const cardClass = "(CASE WHEN m.vip_expires_at IS NOT NULL AND m.vip_expires_at <= ? THEN COALESCE(m.base_card_class, m.card_class) ELSE m.card_class END)";
  if (q.cardClass) add(`${cardClass} = ?`, now, q.cardClass);
  if (q.levelId) add("m.level_id = ?", q.levelId);
  if (q.vip === "true") add("m.vip_expires_at IS NOT NULL AND m.vip_expires_at > ?", now);
  if (q.vip === "false") add("(m.vip_expires_at IS NULL OR m.vip_expires_at <= ?)", now);
  if (q.status) add("m.status = ?", q.status);
  if (q.birthday) add(q.birthday.length === 2 ? "substr(m.birthday, 1, 2) = ?" : "m.birthday = ?", q.birthday);
  // Age in whole years on `today`: born on or before today minus N years.
  if (q.ageMin !== undefined) add("p.birth_date <= ?", `${Number(today.slice(0, 4)) - q.ageMin}${today.slice(4)}`);
  if (q.ageMax !== undefined) add("p.birth_date > ?", `${Number(today.slice(0, 4)) - q.ageMax - 1}${today.slice(4)}`);
  if (q.gender) add("p.gender = ?", q.gender);
  const issued = `COALESCE(p.card_issued_on, ${epochSecondsToDateSql(d.db, `m.created_at / 1000 + ${offsetMin * 60}`)})`;
  if (q.issuedFrom) add(`${issued} >= ?`, q.issuedFrom);
  if (q.issuedTo) add(`${issued} <= ?`, q.issuedTo);
  if (q.consultantId) add("cb.consultant_id = ?", q.consultantId);
  const from = `FROM members m LEFT JOIN member_profiles p ON p.member_id = m.member_id LEFT JOIN member_portraits mp ON mp.member_id = m.member_id
    LEFT JOIN consultant_bindings cb ON cb.member_id = m.member_id ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`;
  const total = d.db.prepare(`SELECT COUNT(*) AS n ${from}`).get<{ n: number }>(...args)?.n ?? 0;
  const rows = d.db
    .prepare(
      `SELECT m.member_id, m.name, m.level_id, ${cardClass} AS card_class, m.status, m.vip_expires_at, m.birthday, m.points_balance, m.balance_fen,
         p.home_store_id, p.gender, p.birth_date, ${issued} AS issued_on, mp.frequency, mp.tags, cb.consultant_id ${from}
       ORDER BY m.member_id LIMIT ? OFFSET ?`,
    )
    .all<Record<string, string | number | null>>(now, ...args, q.limit, q.offset);
  return {
    total,
    members: rows.map((r) => ({
      memberId: r.member_id,
      name: r.name,
      levelId: r.level_id,
      cardClass: r.card_class,
      status: r.status,
      vipExpiresAt: r.vip_expires_at,
      birthday: r.birthday,
      pointsBalance: r.points_balance,
      balanceFen: r.balance_fen,
      homeStoreId: r.home_store_id,
      gender: r.gender,
      birthDate: r.birth_date,
      cardIssuedOn: r.issued_on,
      portrait: r.frequency ?? "none",
      tags: r.tags ? (JSON.parse(String(r.tags)) as string[]) : [],
      consultantId: r.consultant_id,
    })),
  };
}

export function registerSegmentRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/members",
      tag: "segments",
      summary: "Find members: portrait, tags, spend in a date range, bought / did not buy, expiring coupons, class, level, birthday, age, gender, issue date",
      description:
        "Every filter given must hold. Portraits and tags are those of the last daily portrait run. `bought`/`notBought` are `sku:<id>`, `category:<id>` or `brand:<id>` within the last N days.",
      roles: STAFF,
      query: SegmentQuery,
    },
    ({ query, principal }) => {
      if (query.ageMin !== undefined && query.ageMax !== undefined && query.ageMin > query.ageMax)
        throw new HubError("INVALID_INPUT", "query.ageMin: above ageMax");
      return findMembers(d, principal, query);
    },
  );

  r.staff(
    {
      method: "get",
      path: "/segments/portraits",
      tag: "segments",
      summary: "How many members have each portrait and tag (last daily run; format=csv: one row per portrait or tag)",
      roles: STAFF,
      query: z.strictObject({ storeId: Id.optional(), format: Format }),
    },
    ({ c, query, principal }) => {
      if (query.storeId) requireStore(principal, query.storeId);
      const stores = query.storeId ? [query.storeId] : isHq(principal) ? null : principal.stores;
      const scope = stores ? `WHERE p.home_store_id IN (${stores.map(() => "?").join(",")})` : "";
      const args = stores ?? [];
      const frequency = d.db
        .prepare(
          `SELECT COALESCE(mp.frequency, 'none') AS k, COUNT(*) AS n FROM members m LEFT JOIN member_profiles p ON p.member_id = m.member_id LEFT JOIN member_portraits mp ON mp.member_id = m.member_id ${scope} GROUP BY k ORDER BY k`,
        )
        .all<{ k: string; n: number }>(...args);
      const tag = jsonArraySql(d.db, "mp.tags", "j");
      const tags = d.db
        .prepare(
          `SELECT ${tag.value} AS k, COUNT(*) AS n FROM members m LEFT JOIN member_profiles p ON p.member_id = m.member_id JOIN member_portraits mp ON mp.member_id = m.member_id, ${tag.from} ${scope} GROUP BY k ORDER BY k`,
        )
        .all<{ k: string; n: number }>(...args);
      const computedOn = d.db.prepare("SELECT MAX(computed_on) AS d FROM member_portraits").get<{ d: string | null }>()?.d ?? null;
      if (query.format === "csv")
        return csvResponse(
          c,
          `portraits-${computedOn ?? "none"}${query.storeId ? `-${query.storeId}` : ""}.csv`,
          toCsv(
            ["类别 kind", "名称 name", "会员数 members"],
            [...frequency.map((x) => ["portrait", x.k, Number(x.n)]), ...tags.map((x) => ["tag", x.k, Number(x.n)])],
          ),
        );
      return { computedOn, frequency: Object.fromEntries(frequency.map((x) => [x.k, x.n])), tags: Object.fromEntries(tags.map((x) => [x.k, x.n])) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/contacts",
      tag: "segments",
      summary: "Record a contact with a member (the 'contacted' portrait)",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({ channel: z.enum(["wechat", "phone", "sms", "visit", "other"]), consultantId: Id.optional(), note: Note.optional() }),
      status: 201,
      errors: { 404: "no such member or consultant" },
    },
    ({ params, body, principal, actor }) => {
      d.data.visibleTo(principal, params.id);
      if (body.consultantId && !d.db.prepare("SELECT 1 FROM consultants WHERE consultant_id = ?").get(body.consultantId))
        throw new HubError("NOT_FOUND", `no consultant ${body.consultantId}`);
      const day = d.data.today(params.id);
      d.db.transaction(() => {
        d.db
          .prepare("INSERT INTO member_contacts (member_id, at, day, channel, consultant_id, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
          .run(params.id, d.clock.now(), day, body.channel, body.consultantId ?? null, actor.id, body.note ?? null);
        d.audit.recordInTx({
          actor,
          action: "member.contact",
          entity: "member",
          entityId: params.id,
          storeId: d.data.profile(params.id).homeStoreId,
          after: { ...body, day },
        });
      });
      return { memberId: params.id, day, ...body };
    },
  );
}
