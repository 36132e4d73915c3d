// Member routes: register (default level per channel), read, edit, block and unblock, and the member-number rules.
import { z } from "zod";
import type { MemberRecord } from "../../protocol/messages.js";
import { generateKeyPair } from "../../protocol/signing.js";
import { isValidCardId } from "../../protocol/member-code.js";
import { defaultLevelFor } from "../../protocol/rules/levels.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import { HubError } from "../errors.js";
import { MANAGERS, STAFF, isHq, requireStore, type Principal } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Profile, RegistrationChannel } from "./member-data.js";
import type { Routes } from "./route.js";
import { CardId, Id, IsoDate, MemberParams, PublicKey, Reason } from "./schemas.js";
import { transact, type Work } from "./work.js";
import { giveRegistrationGiftInTx } from "./coupons-issue.js";

const Phone = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, "a phone number");
const Gender = z.enum(["female", "male", "other"]);

export const RegisterBody = z.strictObject({
  /** Store where the member registers: their home store (staff must work there). */
  storeId: Id,
  /** Where the member registers: the level is the rules' default for it. */
  channel: z.enum(["till", "online"]),
  /** Member number, unique across the chain; given when absent. */
  memberId: Id.optional(),
  /** Card id in live codes; the member number when absent (and short enough). */
  cardId: CardId.optional(),
  name: z.string().trim().min(1).max(100),
  phone: Phone.optional(),
  gender: Gender.optional(),
  birthDate: IsoDate.optional(),
  /** The member's app key; without it the card has no usable key until one is enrolled. */
  cardPublicKey: PublicKey.optional(),
  /** HQ only: a level other than the channel's default. */
  levelId: Id.optional(),
  /** HQ only: a card class other than the default. */
  cardClass: Id.optional(),
  /** HQ only: the stores whose kiosks know the member (default: every store). */
  stores: z.array(Id).max(1000).optional(),
});

const EditBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  phone: Phone.nullable().optional(),
  gender: Gender.nullable().optional(),
  birthDate: IsoDate.nullable().optional(),
  /** HQ only. */
  levelId: Id.optional(),
  /** HQ only; refused while the member is VIP (use the VIP routes). */
  cardClass: Id.optional(),
  /** HQ only. */
  stores: z.array(Id).max(1000).optional(),
  reason: z.string().max(500).optional(),
});

/** A key nobody holds the private half of: live codes for the card cannot be made until the member enrols one. */
export function sealedCardKey(): string {
  return generateKeyPair().publicKey;
}

export interface NewMemberInput {
  storeId: string | null;
  channel: RegistrationChannel;
  memberId?: string | undefined;
  cardId?: string | undefined;
  name: string;
  phone?: string | null | undefined;
  gender?: Profile["gender"] | undefined;
  birthDate?: string | null | undefined;
  cardPublicKey?: string | undefined;
  levelId?: string | undefined;
  cardClass?: string | undefined;
  stores?: string[] | undefined;
  primaryMemberId?: string | undefined;
  vipExpiresAt?: number | undefined;
  baseCardClass?: string | undefined;
}

function checkKnown(rules: RulesConfig, levelId: string, cardClass: string): void {
  if (rules.levels.length > 0 && !rules.levels.some((l) => l.id === levelId)) throw new HubError("INVALID_INPUT", `no level '${levelId}' in the rules`);
  if (rules.cardClasses.length > 0 && !rules.cardClasses.some((c) => c.id === cardClass))
    throw new HubError("INVALID_INPUT", `no card class '${cardClass}' in the rules`);
}

/** Inside the caller's transaction: creates a member with profile and level state, audited. */
export function createMemberInTx(d: BackofficeDeps, w: Work, input: NewMemberInput, actor: Actor): MemberRecord {
  const rules = d.rules.forStore(input.storeId);
  const today = d.rules.storeDay(input.storeId, d.clock.now());
  const settings = d.settings.get();
  let memberId = input.memberId;
  if (memberId === undefined) {
    do memberId = `${settings.memberNumberPrefix}${String(d.settings.nextInTx("member")).padStart(8, "0")}`;
    while (d.registry.get(memberId));
  }
  let cardId = input.cardId;
  if (cardId === undefined) {
    cardId = isValidCardId(memberId) && !d.data.memberIdByCard(memberId) ? memberId : undefined;
    while (cardId === undefined || d.data.memberIdByCard(cardId)) cardId = `K${String(d.settings.nextInTx("card")).padStart(10, "0")}`;
  }
  const where = input.channel === "online" ? "online" : "till";
  const levelId = input.levelId ?? defaultLevelFor(rules, where)?.id;
  if (levelId === undefined) throw new HubError("NO_CONFIG", "the rules define no levels: give levelId, or publish a config with levels");
  const cardClass = input.cardClass ?? settings.defaultCardClass;
  checkKnown(rules, levelId, cardClass);
  const { m, changes } = d.registry.createInTx({
    memberId,
    cardId,
    name: input.name,
    levelId,
    cardClass,
    cardPublicKey: input.cardPublicKey ?? sealedCardKey(),
    ...(input.birthDate ? { birthday: input.birthDate.slice(5) } : {}),
    ...(input.primaryMemberId ? { primaryMemberId: input.primaryMemberId } : {}),
    ...(input.vipExpiresAt !== undefined ? { vipExpiresAt: input.vipExpiresAt } : {}),
    ...(input.baseCardClass !== undefined ? { baseCardClass: input.baseCardClass } : {}),
    stores: input.stores ?? [],
  });
  w.add(changes);
  const profile: Profile = {
    phone: input.phone ?? null,
    gender: input.gender ?? null,
    birthDate: input.birthDate ?? null,
    homeStoreId: input.storeId,
    channel: input.channel,
    cardIssuedOn: today,
    cardKeyState: input.cardPublicKey ? "enrolled" : "none",
    headshotUploadedOn: null,
    blockedReason: null,
  };
  d.data.saveProfileInTx(m.memberId, profile);
  d.data.saveLevelStateInTx(m.memberId, { levelSince: today, growth: 0, windowGrowth: 0 });
  if (input.cardPublicKey) {
    d.db
      .prepare("INSERT INTO card_keys (member_id, public_key, state, enrolled_at, actor, reason) VALUES (?, ?, 'active', ?, ?, 'registration')")
      .run(m.memberId, input.cardPublicKey, d.clock.now(), actor.id);
  }
  d.audit.recordInTx({
    actor,
    action: "member.register",
    entity: "member",
    entityId: m.memberId,
    storeId: input.storeId,
    before: null,
    after: { member: m, profile },
  });
  giveRegistrationGiftInTx(d, w, m.memberId, input.storeId, input.channel, input.primaryMemberId !== undefined);
  return d.registry.get(m.memberId) ?? m;
}

function requireHqFor(p: Principal, fields: Record<string, unknown>): void {
  const hqOnly = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (hqOnly.length > 0 && !isHq(p)) throw new HubError("FORBIDDEN", `only HQ may set ${hqOnly.join(", ")}`);
}

export function registerMemberRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "post",
      path: "/members",
      tag: "members",
      summary: "Register a member",
      description: "The level is the rules' default for the channel (till or online); member numbers are unique across the chain.",
      roles: STAFF,
      body: RegisterBody,
      status: 201,
      // Optional so scripts keep working; the console sends one, so a double click registers one member.
      idempotent: "optional",
      errors: {
        409: "member number or card id already taken, or the Idempotency-Key was used for another request",
        503: "no levels in the rules and no levelId given",
      },
    },
    ({ body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      requireHqFor(principal, { levelId: body.levelId, cardClass: body.cardClass, stores: body.stores });
      if (idempotencyKey)
        return d.ops.run(idempotencyKey, "member.register", null, { body, by: actor.id }, (w) => d.data.view(createMemberInTx(d, w, body, actor).memberId))
          .result;
      const m = transact(d.db, d.registry, (w) => createMemberInTx(d, w, body, actor));
      return d.data.view(m.memberId);
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id",
      tag: "members",
      summary: "A member: record, profile, VIP, level, portraits, consultant",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      return d.data.view(params.id);
    },
  );

  r.staff(
    {
      method: "patch",
      path: "/members/:id",
      tag: "members",
      summary: "Edit a member",
      description: "Counter staff edit contact fields; level, card class and stores are HQ's.",
      roles: STAFF,
      params: MemberParams,
      body: EditBody,
      errors: { 404: "no such member", 422: "card class change while VIP (VIP_ACTIVE)" },
    },
    ({ params, body, principal, actor }) => {
      requireHqFor(principal, { levelId: body.levelId, cardClass: body.cardClass, stores: body.stores });
      const before = d.data.visibleTo(principal, params.id);
      transact(d.db, d.registry, (w) => {
        const prevProfile = d.data.profile(params.id);
        const profile: Profile = {
          ...prevProfile,
          ...(body.phone !== undefined ? { phone: body.phone } : {}),
          ...(body.gender !== undefined ? { gender: body.gender } : {}),
          ...(body.birthDate !== undefined ? { birthDate: body.birthDate } : {}),
        };
        d.data.saveProfileInTx(params.id, profile);
        const rules = d.data.rulesFor(params.id);
        if (body.cardClass !== undefined && body.cardClass !== before.cardClass && d.data.isVip(before)) {
          throw new HubError("REFUSED", "the member is VIP: change the class with the VIP routes", { reason: "VIP_ACTIVE" });
        }
        if (body.levelId !== undefined || body.cardClass !== undefined) checkKnown(rules, body.levelId ?? before.levelId, body.cardClass ?? before.cardClass);
        if (body.cardClass !== undefined && body.cardClass !== before.cardClass) {
          // A new class replaces any expired VIP the record still names.
          d.db.prepare("UPDATE member_vip SET vip = NULL, updated_at = ? WHERE member_id = ?").run(d.clock.now(), params.id);
        }
        w.add(
          d.registry.updateInTx(params.id, {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.levelId !== undefined ? { levelId: body.levelId } : {}),
            ...(body.cardClass !== undefined && body.cardClass !== before.cardClass
              ? { cardClass: body.cardClass, vipExpiresAt: undefined, baseCardClass: undefined }
              : {}),
            ...(body.stores !== undefined ? { stores: body.stores } : {}),
            ...(body.birthDate !== undefined ? { birthday: body.birthDate === null ? undefined : body.birthDate.slice(5) } : {}),
          }),
        );
        if (body.levelId !== undefined && body.levelId !== before.levelId) {
          const today = d.data.today(params.id);
          d.data.saveLevelStateInTx(params.id, { ...d.data.levelState(params.id), levelSince: today, windowGrowth: 0 });
          d.db
            .prepare(
              "INSERT INTO level_changes (member_id, from_level, to_level, kind, effective_on, reason, at, actor) VALUES (?, ?, ?, 'manual', ?, ?, ?, ?)",
            )
            .run(params.id, before.levelId, body.levelId, today, body.reason ?? "set by HQ", d.clock.now(), actor.id);
        }
        d.audit.recordInTx({
          actor,
          action: "member.edit",
          entity: "member",
          entityId: params.id,
          storeId: prevProfile.homeStoreId,
          before: { member: before, profile: prevProfile },
          after: { member: d.registry.get(params.id), profile },
          note: body.reason ?? null,
        });
      });
      return d.data.view(params.id);
    },
  );

  const setBlocked =
    (blocked: boolean) =>
    ({ params, body, principal, actor }: { params: { id: string }; body: { reason: string }; principal: Principal; actor: Actor }) => {
      const before = d.data.visibleTo(principal, params.id);
      const status = blocked ? "blocked" : "active";
      if (before.status === status) throw new HubError("CONFLICT", `the member is already ${status}`, { reason: blocked ? "ALREADY_BLOCKED" : "NOT_BLOCKED" });
      transact(d.db, d.registry, (w) => {
        const profile = d.data.profile(params.id);
        d.data.saveProfileInTx(params.id, { ...profile, blockedReason: blocked ? body.reason : null });
        w.add(d.registry.updateInTx(params.id, { status }));
        d.audit.recordInTx({
          actor,
          action: blocked ? "member.block" : "member.unblock",
          entity: "member",
          entityId: params.id,
          storeId: profile.homeStoreId,
          before: { status: before.status },
          after: { status },
          note: body.reason,
        });
      });
      return d.data.view(params.id);
    };
  const BlockBody = z.strictObject({ reason: Reason });
  r.staff(
    {
      method: "post",
      path: "/members/:id/block",
      tag: "members",
      summary: "Block a member (kiosks refuse the card)",
      roles: MANAGERS,
      params: MemberParams,
      body: BlockBody,
      errors: { 404: "no such member", 409: "already blocked" },
    },
    setBlocked(true),
  );
  r.staff(
    {
      method: "post",
      path: "/members/:id/unblock",
      tag: "members",
      summary: "Unblock a member",
      roles: MANAGERS,
      params: MemberParams,
      body: BlockBody,
      errors: { 404: "no such member", 409: "not blocked" },
    },
    setBlocked(false),
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/ledger",
      tag: "members",
      summary: "A member's points or balance history, newest first",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({
        kind: z.enum(["points", "balance"]),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        beforeId: z.coerce.number().int().positive().optional(),
      }),
      errors: { 404: "no such member" },
    },
    ({ params, query, principal }) => {
      d.data.visibleTo(principal, params.id);
      return { balances: d.ledger.balances(params.id), entries: d.ledger.history(params.id, query.kind, query.limit, query.beforeId) };
    },
  );
}
