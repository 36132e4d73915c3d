// The back office's view of a member: profile, VIP state, level state and coupons around the record the kiosks get, and the writes that keep them in step.
import { randomBytes } from "node:crypto";
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { MemberRecord } from "../../protocol/messages.js";
import type { MemberRegistry } from "../members.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import { VipMemberSchema, vipActive, type VipMember, type VipMemberInput } from "../../protocol/rules/vip.js";
import { addDays, type IsoDate } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { canSeeMember, type Principal } from "../auth/roles.js";
import type { Caller } from "./route.js";
import type { RulesSource } from "./rules-source.js";
import type { SettingsStore } from "./settings.js";
import type { Work } from "./work.js";
import { tableExistsSql } from "../sql-dialect.js";

export type Gender = "female" | "male" | "other";
export type RegistrationChannel = "till" | "online" | "import" | "secondary";

export interface Profile {
  phone: string | null;
  gender: Gender | null;
  birthDate: IsoDate | null;
  homeStoreId: string | null;
  channel: RegistrationChannel;
  cardIssuedOn: IsoDate;
  cardKeyState: "enrolled" | "none";
  headshotUploadedOn: IsoDate | null;
  blockedReason: string | null;
}

interface ProfileRow {
  phone: string | null;
  gender: Gender | null;
  birth_date: string | null;
  home_store_id: string | null;
  channel: RegistrationChannel;
  card_issued_on: string;
  card_key_state: "enrolled" | "none";
  headshot_uploaded_on: string | null;
  blocked_reason: string | null;
}

export interface LevelState {
  levelSince: IsoDate;
  growth: number;
  windowGrowth: number;
}

/**
 * The class a member's card has now. The record keeps an expired VIP class with its past expiry and
 * the class it reverts to (baseCardClass), as the kiosks expect: they price with the base class after
 * the expiry and the gate can say when the membership ended.
 */
export function effectiveCardClass(m: MemberRecord, at: number): string {
  return m.vipExpiresAt !== undefined && at >= m.vipExpiresAt ? (m.baseCardClass ?? m.cardClass) : m.cardClass;
}

const tables = new WeakMap<Database, Map<string, boolean>>();

/** Whether a table exists (tables other modules own, such as the ingest's `returns`), cached per database. */
export function hasTable(db: Database, name: string): boolean {
  let known = tables.get(db);
  if (!known) tables.set(db, (known = new Map()));
  let v = known.get(name);
  if (v === undefined) {
    v = db.prepare(tableExistsSql(db)).get(name) !== undefined;
    if (v) known.set(name, v); // a missing table may still be created by a migration: ask again next time
  }
  return v;
}

/** Coupon validity when the rules do not say (coupons given one by one, not in a pack). */
export const DEFAULT_COUPON_DAYS = 30;
const MAX_COUPONS = 200;

export class MemberData {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly registry: MemberRegistry,
    private readonly rules: RulesSource,
    private readonly settings: SettingsStore,
  ) {}

  /** The member, or NOT_FOUND. */
  get(memberId: string): MemberRecord {
    const m = this.registry.get(memberId);
    if (!m) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    return m;
  }

  /** The member if the caller may see them: staff by store scope, a member only themselves. */
  visibleTo(caller: Caller | Principal, memberId: string): MemberRecord {
    const m = this.get(memberId);
    const c: Caller = "kind" in caller ? caller : { kind: "staff", principal: caller };
    if (c.kind === "member") {
      if (c.memberId !== memberId) throw new HubError("FORBIDDEN", "a member code only opens its own member");
      return m;
    }
    if (!canSeeMember(c.principal, this.registry.storesOf(memberId) ?? [])) {
      throw new HubError("FORBIDDEN", `member ${memberId} is not a member of your stores`);
    }
    return m;
  }

  /** Counter sales to a blocked member (top-ups, VIP, levels, secondary cards) are refused; refunds and corrections are not. */
  requireActive(m: MemberRecord): void {
    if (m.status === "blocked") throw new HubError("REFUSED", `member ${m.memberId} is blocked`, { reason: "MEMBER_BLOCKED" });
  }

  memberIdByCard(cardId: string): string | undefined {
    return this.db.prepare("SELECT member_id FROM members WHERE card_id = ?").get<{ member_id: string }>(cardId)?.member_id;
  }

  profile(memberId: string): Profile {
    const r = this.db.prepare("SELECT * FROM member_profiles WHERE member_id = ?").get<ProfileRow>(memberId);
    if (!r) {
      const created = this.db.prepare("SELECT created_at FROM members WHERE member_id = ?").get<{ created_at: number }>(memberId);
      return {
        phone: null,
        gender: null,
        birthDate: null,
        homeStoreId: null,
        channel: "import",
        cardIssuedOn: this.rules.chainDay(created?.created_at ?? this.clock.now()),
        cardKeyState: "enrolled",
        headshotUploadedOn: null,
        blockedReason: null,
      };
    }
    return {
      phone: r.phone,
      gender: r.gender,
      birthDate: r.birth_date,
      homeStoreId: r.home_store_id,
      channel: r.channel,
      cardIssuedOn: r.card_issued_on,
      cardKeyState: r.card_key_state,
      headshotUploadedOn: r.headshot_uploaded_on,
      blockedReason: r.blocked_reason,
    };
  }

  /** Inside the caller's transaction: writes the whole profile (a missing row is created). */
  saveProfileInTx(memberId: string, p: Profile): void {
    const now = this.clock.now();
    this.db
      .prepare(
        `INSERT INTO member_profiles (member_id, phone, gender, birth_date, home_store_id, channel, card_issued_on, card_key_state,
           headshot_uploaded_on, blocked_reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (member_id) DO UPDATE SET phone = excluded.phone, gender = excluded.gender, birth_date = excluded.birth_date,
           home_store_id = excluded.home_store_id, channel = excluded.channel, card_issued_on = excluded.card_issued_on,
           card_key_state = excluded.card_key_state, headshot_uploaded_on = excluded.headshot_uploaded_on,
           blocked_reason = excluded.blocked_reason, updated_at = excluded.updated_at`,
      )
      .run(memberId, p.phone, p.gender, p.birthDate, p.homeStoreId, p.channel, p.cardIssuedOn, p.cardKeyState, p.headshotUploadedOn, p.blockedReason, now, now);
  }

  /** Today in the member's home store (the chain's day when they have none). */
  today(memberId: string): IsoDate {
    return this.rules.storeDay(this.profile(memberId).homeStoreId, this.clock.now());
  }

  rulesFor(memberId: string): RulesConfig {
    return this.rules.forStore(this.profile(memberId).homeStoreId);
  }

  // ------------------------------------------------------------------ VIP

  /** The VIP state the rules need; members imported with a VIP expiry get one derived from their record. */
  vipState(m: MemberRecord): VipMember {
    const r = this.db
      .prepare("SELECT card_valid_until, vip, plan_history FROM member_vip WHERE member_id = ?")
      .get<{ card_valid_until: number | null; vip: string | null; plan_history: string }>(m.memberId);
    const input: VipMemberInput = r
      ? {
          id: m.memberId,
          // After a revert the record still names the expired VIP class; the card's class is the base one.
          cardClass: r.vip === null ? effectiveCardClass(m, this.clock.now()) : m.cardClass,
          cardValidUntil: r.card_valid_until,
          vip: r.vip === null ? null : (JSON.parse(r.vip) as VipMemberInput["vip"]),
          planHistory: JSON.parse(r.plan_history) as string[],
        }
      : {
          id: m.memberId,
          cardClass: m.cardClass,
          cardValidUntil: m.vipExpiresAt !== undefined ? null : (m.cardValidUntil ?? null),
          vip:
            m.vipExpiresAt !== undefined
              ? {
                  classId: m.cardClass,
                  expiresAt: m.vipExpiresAt,
                  previousClass: m.baseCardClass ?? this.settings.get().defaultCardClass,
                  previousValidUntil: m.cardValidUntil ?? null,
                  paidFen: 0,
                  paidDays: 1,
                }
              : null,
          planHistory: [],
        };
    return VipMemberSchema.parse(input);
  }

  isVip(m: MemberRecord, at = this.clock.now()): boolean {
    return vipActive(this.vipState(m), at);
  }

  /**
   * Inside the caller's transaction: stores the VIP state and moves the record's class and expiry
   * with it (and the secondary cards'). A revert (`keepRecord`) leaves the record's expired class and
   * expiry for the kiosks and only makes sure it names the class to revert to. The record's
   * `cardValidUntil` is the card's own validity (while VIP: the one the VIP's end restores); the
   * kiosks take the VIP's expiry while it lasts.
   */
  saveVipInTx(memberId: string, next: VipMember, work: Work, opts: { keepRecord?: boolean } = {}): void {
    this.db
      .prepare(
        `INSERT INTO member_vip (member_id, card_valid_until, vip, plan_history, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (member_id) DO UPDATE SET card_valid_until = excluded.card_valid_until, vip = excluded.vip,
           plan_history = excluded.plan_history, updated_at = excluded.updated_at`,
      )
      .run(memberId, next.cardValidUntil, next.vip === null ? null : JSON.stringify(next.vip), JSON.stringify(next.planHistory), this.clock.now());
    const cardValidUntil = (next.vip ? next.vip.previousValidUntil : next.cardValidUntil) ?? undefined;
    if (opts.keepRecord) {
      const m = this.registry.get(memberId);
      if (m && (m.baseCardClass !== next.cardClass || m.cardValidUntil !== cardValidUntil))
        work.add(this.registry.updateInTx(memberId, { baseCardClass: next.cardClass, cardValidUntil }));
    } else {
      work.add(
        this.registry.updateInTx(memberId, {
          cardClass: next.cardClass,
          vipExpiresAt: next.vip?.expiresAt,
          baseCardClass: next.vip?.previousClass,
          cardValidUntil,
        }),
      );
    }
    this.syncSecondariesInTx(memberId, work);
  }

  /** Inside the caller's transaction: active secondary cards follow their primary's level, class and VIP expiry. */
  syncSecondariesInTx(primaryId: string, work: Work): void {
    const primary = this.registry.get(primaryId);
    if (!primary) return;
    const ids = this.db
      .prepare("SELECT member_id FROM secondary_cards WHERE primary_member_id = ? AND state = 'active' AND member_id IS NOT NULL")
      .all<{ member_id: string }>(primaryId);
    for (const { member_id } of ids) {
      if (!this.registry.get(member_id)) continue;
      work.add(
        this.registry.updateInTx(member_id, {
          levelId: primary.levelId,
          cardClass: primary.cardClass,
          vipExpiresAt: primary.vipExpiresAt,
          baseCardClass: primary.baseCardClass,
        }),
      );
    }
  }

  // ------------------------------------------------------------------ levels

  levelState(memberId: string): LevelState {
    const r = this.db
      .prepare("SELECT level_since, growth, window_growth FROM member_levels WHERE member_id = ?")
      .get<{ level_since: string; growth: number; window_growth: number }>(memberId);
    if (r) return { levelSince: r.level_since, growth: r.growth, windowGrowth: r.window_growth };
    return { levelSince: this.profile(memberId).cardIssuedOn, growth: 0, windowGrowth: 0 };
  }

  /** Inside the caller's transaction. */
  saveLevelStateInTx(memberId: string, s: LevelState & { dirty?: boolean }): void {
    this.db
      .prepare(
        `INSERT INTO member_levels (member_id, level_since, growth, window_growth, dirty, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (member_id) DO UPDATE SET level_since = excluded.level_since, growth = excluded.growth,
           window_growth = excluded.window_growth, dirty = excluded.dirty, updated_at = excluded.updated_at`,
      )
      .run(memberId, s.levelSince, s.growth, s.windowGrowth, s.dirty ? 1 : 0, this.clock.now());
  }

  /** Inside the caller's transaction: the member's level metrics changed; the daily level job looks at them. */
  markLevelDirtyInTx(memberId: string): void {
    const s = this.levelState(memberId);
    this.saveLevelStateInTx(memberId, { ...s, dirty: true });
  }

  // ------------------------------------------------------------------ coupons

  /**
   * Inside the caller's transaction: gives coupon instances (single coupons and packs from the rules)
   * valid from today; expired coupons are dropped to make room. Returns the new instances.
   */
  giveCouponsInTx(
    memberId: string,
    rules: RulesConfig,
    today: IsoDate,
    give: { coupons?: ReadonlyArray<{ couponId: string; count: number }>; couponPackIds?: readonly string[]; validDays?: number },
    work: Work,
  ): MemberRecord["coupons"] {
    const fresh: MemberRecord["coupons"] = [];
    const add = (couponId: string, count: number, days: number): void => {
      if (!rules.coupons.some((c) => c.id === couponId)) throw new HubError("REFUSED", `no coupon '${couponId}' in the rules`, { reason: "UNKNOWN_COUPON" });
      for (let i = 0; i < count; i++) {
        fresh.push({ instanceId: `c${randomBytes(8).toString("hex")}`, couponId, validFrom: today, expiresOn: addDays(today, days - 1) });
      }
    };
    for (const c of give.coupons ?? []) add(c.couponId, c.count, give.validDays ?? DEFAULT_COUPON_DAYS);
    for (const packId of give.couponPackIds ?? []) {
      const pack = rules.couponPacks.find((p) => p.id === packId);
      if (!pack) throw new HubError("REFUSED", `no coupon pack '${packId}' in the rules`, { reason: "UNKNOWN_COUPON_PACK" });
      for (const c of pack.coupons) add(c.couponId, c.count, pack.validDays);
    }
    if (fresh.length === 0) return [];
    const m = this.get(memberId);
    const kept = m.coupons.filter((c) => c.expiresOn >= today);
    if (kept.length + fresh.length > MAX_COUPONS) {
      throw new HubError("REFUSED", `a member holds at most ${MAX_COUPONS} coupons`, { reason: "TOO_MANY_COUPONS" });
    }
    work.add(this.registry.updateInTx(memberId, { coupons: [...kept, ...fresh] }));
    return fresh;
  }

  /** Everything the back office shows about a member. */
  view(memberId: string): Record<string, unknown> {
    const m = this.get(memberId);
    const vip = this.vipState(m);
    const now = this.clock.now();
    const portrait = this.db
      .prepare("SELECT frequency, tags, computed_on FROM member_portraits WHERE member_id = ?")
      .get<{ frequency: string; tags: string; computed_on: string }>(memberId);
    const consultant = this.db
      .prepare("SELECT consultant_id, bound_at FROM consultant_bindings WHERE member_id = ?")
      .get<{ consultant_id: string; bound_at: number }>(memberId);
    const secondary = this.db.prepare("SELECT primary_member_id FROM secondary_cards WHERE member_id = ?").get<{ primary_member_id: string }>(memberId);
    // PLUS (online-only paid tier, see plus.ts) and the shopping cards' total (stored-cards.ts).
    const plus = this.db.prepare("SELECT since, expires_at FROM member_plus WHERE member_id = ?").get<{ since: number; expires_at: number }>(memberId);
    const cards = this.db
      .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(balance_fen), 0) AS total FROM shopping_cards WHERE member_id = ?")
      .get<{ n: number; total: number }>(memberId);
    return {
      member: m,
      effectiveCardClass: effectiveCardClass(m, now),
      stores: this.registry.storesOf(memberId) ?? [],
      profile: this.profile(memberId),
      vip: { active: vipActive(vip, now), cardValidUntil: vip.cardValidUntil, vip: vip.vip, planHistory: vip.planHistory },
      level: this.levelState(memberId),
      portraits: portrait ? { frequency: portrait.frequency, tags: JSON.parse(portrait.tags) as string[], computedOn: portrait.computed_on } : null,
      consultant: consultant ? { consultantId: consultant.consultant_id, boundAt: consultant.bound_at } : null,
      primaryMemberId: secondary?.primary_member_id ?? m.primaryMemberId ?? null,
      plus: plus ? { active: plus.expires_at > now, since: plus.since, expiresAt: plus.expires_at } : { active: false, since: null, expiresAt: null },
      shoppingCards: { count: cards?.n ?? 0, totalFen: cards?.total ?? 0 },
    };
  }
}
