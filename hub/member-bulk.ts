// Batched member import (issue 21): a batch of rows in one transaction with one statement per table, the same rows and per-row errors as the row-by-row path (also here, the fallback).
//
// Row by row (MemberRegistry.createMany with a savepoint per row) costs about ten statements per row,
// each a round trip on PostgreSQL. The batched path checks every row in JavaScript first, exactly as
// the registry does (prepareNew: schema, card id, ranges, stores), finds the rows that would clash in
// one query (existing member or card ids, and ids taken by an earlier row of the batch), refuses
// negative openings, and writes the rest with one INSERT ... SELECT over a JSON array per table
// (members, profiles, level state, openings, audit, points_log, balance_log, member_changes) on both
// engines (sql-dialect.ts jsonArraySql). If a batch statement still fails, nothing of the batch is
// kept and the batch runs row by row, so each row's error is what it always was.
import type { Database } from "../storage/database.js";
import type { MemberRecord, MemberChange } from "../protocol/messages.js";
import type { IsoDate } from "../protocol/rules/time.js";
import { HubError } from "./errors.js";
import { toRecord, type MemberRow, type NewMember, type ScopedChange } from "./members.js";
import { changelogAppendManySql, jsonArraySql, jsonRecordsSql } from "./sql-dialect.js";
import { openingRefusal, recordOpeningInTx, type ImportExtras } from "./member-import.js";
import type { Actor } from "./audit.js";
import type { BackofficeDeps } from "./backoffice/deps.js";
import type { Profile } from "./backoffice/member-data.js";
import { saveOpeningInTx } from "./backoffice/member-openings.js";

/** One row ready to store: the member draft and what goes beside it. `keyless`: the card key was sealed by the import (no key in the file). */
export interface ImportRow {
  member: NewMember;
  extras: ImportExtras;
  keyless: boolean;
}

/** Who imports, for which store, on which store day. */
export interface ImportScope {
  storeId: string | null;
  actor: Actor;
  today: IsoDate;
}

export type ImportOutcome = { ok: true; member: MemberRecord } | { ok: false; error: HubError | Error };

/** Rows per transaction (and per kiosk push). */
export const BULK_BATCH = 500;

/**
 * Stores the rows, one result per row in order: batched (one statement per table per batch of
 * BULK_BATCH) unless `rowByRow`; a batch whose statements fail unexpectedly is redone row by row.
 */
export function importRows(d: BackofficeDeps, rows: readonly ImportRow[], scope: ImportScope, opts: { rowByRow?: boolean } = {}): ImportOutcome[] {
  const out: ImportOutcome[] = [];
  for (let start = 0; start < rows.length; start += BULK_BATCH) {
    const slice = rows.slice(start, start + BULK_BATCH);
    if (opts.rowByRow) {
      out.push(...importRowByRow(d, slice, scope));
      continue;
    }
    let done: { outcomes: ImportOutcome[]; changes: ScopedChange[] };
    try {
      // READ COMMITTED on PostgreSQL (no predicate locks on a bulk write): the members insert skips
      // (ON CONFLICT DO NOTHING) ids a concurrent writer committed or is committing, so they are
      // CONFLICT rows; a clash in another table makes the batch fail and run row by row.
      done = d.db.transaction(() => storeBatchInTx(d, slice, scope), { isolation: "read committed" });
    } catch (err) {
      // The message's first line only: the detail lines may quote a row's values.
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 200);
      d.log.warn({ err: reason, rows: slice.length }, "member import: batch failed, row by row");
      out.push(...importRowByRow(d, slice, scope));
      continue;
    }
    out.push(...done.outcomes);
    d.registry.notify(done.changes);
  }
  return out;
}

/** The row-by-row path: a savepoint per row (MemberRegistry.createMany), the member's other rows written in it. */
export function importRowByRow(d: BackofficeDeps, rows: readonly ImportRow[], scope: ImportScope): ImportOutcome[] {
  return d.registry.createMany(
    rows.map((r) => r.member),
    {
      batch: BULK_BATCH,
      onCreatedInTx: (m, i) => {
        const { extras, keyless } = rows[i]!;
        d.data.saveProfileInTx(m.memberId, profileOf(extras, keyless, scope));
        d.data.saveLevelStateInTx(m.memberId, { levelSince: scope.today, growth: 0, windowGrowth: 0 });
        saveOpeningInTx(d.db, m.memberId, {
          importedOn: scope.today,
          spendFen: extras.cumulativeSpendFen ?? 0,
          topUpFen: extras.cumulativeTopUpFen ?? 0,
          at: d.clock.now(),
        });
        d.audit.recordInTx({
          actor: scope.actor,
          action: "member.import",
          entity: "member",
          entityId: m.memberId,
          storeId: scope.storeId,
          before: null,
          after: m,
        });
        // The opening balance and points as ledger entries; a refusal (negative amounts) undoes the row.
        recordOpeningInTx(d.db, d.clock, m);
      },
    },
  );
}

function profileOf(extras: ImportExtras, keyless: boolean, scope: ImportScope): Profile {
  return {
    phone: extras.phone ?? null,
    gender: extras.gender ?? null,
    birthDate: extras.birthDate ?? null,
    homeStoreId: scope.storeId,
    channel: "import",
    cardIssuedOn: extras.cardIssuedOn ?? scope.today,
    // Without a key from the file the card has a sealed one: the member activates the app (activation link).
    cardKeyState: keyless ? "none" : "enrolled",
    headshotUploadedOn: null,
    blockedReason: null,
  };
}

type Accepted = { index: number; m: MemberRecord; stores: string[] };

/** Inside a transaction: checks the batch, writes its accepted rows; the changes are pushed after commit. */
function storeBatchInTx(d: BackofficeDeps, rows: readonly ImportRow[], scope: ImportScope): { outcomes: ImportOutcome[]; changes: ScopedChange[] } {
  const outcomes: ImportOutcome[] = new Array(rows.length);
  const valid: Accepted[] = [];
  const negative: Array<Accepted & { error: HubError }> = [];
  rows.forEach((r, index) => {
    try {
      const v = { index, ...d.registry.prepareNew(r.member) };
      const refused = openingRefusal(v.m);
      if (refused) negative.push({ ...v, error: refused });
      else valid.push(v);
    } catch (err) {
      outcomes[index] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  });
  const conflict = (m: MemberRecord): HubError => new HubError("CONFLICT", `member ${m.memberId} or card ${m.cardId} already exists`);
  // A negative opening is refused after the clash check, as row by row: which ids the database had before (rarely asked).
  const before = negative.length > 0 ? existingIds(d.db, negative) : { ids: new Set<string>(), cards: new Set<string>() };
  // The members, in file order, skipping every row whose member id or card id is taken (in the
  // database or by an earlier row of the batch): the rows not inserted are the clashes.
  const inserted = insertMembers(d, valid);
  const claimedIds = new Set<string>();
  const claimedCards = new Set<string>();
  const accepted: Accepted[] = [];
  const byIndex: Array<Accepted & { error?: HubError }> = [...valid, ...negative].sort((x, y) => x.index - y.index);
  for (const v of byIndex) {
    const { m } = v;
    const row = inserted.get(m.memberId);
    const claimed = claimedIds.has(m.memberId) || claimedCards.has(m.cardId);
    if (v.error) {
      outcomes[v.index] = { ok: false, error: claimed || before.ids.has(m.memberId) || before.cards.has(m.cardId) ? conflict(m) : v.error };
    } else if (!claimed && row !== undefined && row.card_id === m.cardId) {
      claimedIds.add(m.memberId);
      claimedCards.add(m.cardId);
      accepted.push(v);
      outcomes[v.index] = { ok: true, member: m };
    } else outcomes[v.index] = { ok: false, error: conflict(m) };
  }
  if (accepted.length !== inserted.size) throw new Error(`member import: ${inserted.size} members inserted, ${accepted.length} rows matched`);
  const changes = accepted.length > 0 ? writeBatchInTx(d, rows, accepted, scope, inserted) : [];
  return { outcomes, changes };
}

/** The member ids and card ids of `rows` that members has. */
function existingIds(db: Database, rows: readonly Accepted[]): { ids: Set<string>; cards: Set<string> } {
  const ids = jsonArraySql(db, "?", "ids");
  const cards = jsonArraySql(db, "?", "cards");
  const found = db
    .prepare(
      `SELECT member_id, card_id FROM members WHERE member_id IN (SELECT ${ids.value} FROM ${ids.from})
       UNION ALL SELECT member_id, card_id FROM members WHERE card_id IN (SELECT ${cards.value} FROM ${cards.from})`,
    )
    .all<{ member_id: string; card_id: string }>(JSON.stringify(rows.map((v) => v.m.memberId)), JSON.stringify(rows.map((v) => v.m.cardId)));
  return { ids: new Set(found.map((e) => e.member_id)), cards: new Set(found.map((e) => e.card_id)) };
}

type Col = readonly [name: string, kind: "text" | "int"];

/** INSERT INTO table (cols) from a JSON array of objects keyed by column (plus `i`, the order), in `i` order. */
function insertJson<T = unknown>(db: Database, table: string, cols: readonly Col[], rows: readonly object[], tail = ""): T[] {
  if (rows.length === 0) return [];
  const j = jsonRecordsSql(db, "j", [["i", "bigint"], ...cols.map(([c, kind]) => [c, kind === "int" ? "bigint" : "text"] as const)]);
  // WHERE true: SQLite needs it before an upsert clause on INSERT ... SELECT.
  const sql = `INSERT INTO ${table} (${cols.map(([c]) => c).join(", ")}) SELECT ${cols.map(([c]) => j.column(c)).join(", ")}
    FROM ${j.from} WHERE true ORDER BY ${j.column("i")} ${tail}`;
  const stmt = db.prepare(sql);
  const json = JSON.stringify(rows.map((r, i) => ({ i, ...r })));
  // better-sqlite3 refuses all() on a statement that returns nothing.
  if (!/\bRETURNING\b/.test(tail)) {
    stmt.run(json);
    return [];
  }
  return stmt.all<T>(json);
}

const MEMBER_COLS: readonly Col[] = [
  ["member_id", "text"],
  ["card_id", "text"],
  ["name", "text"],
  ["level_id", "text"],
  ["card_class", "text"],
  ["card_public_key", "text"],
  ["status", "text"],
  ["points_balance", "int"],
  ["balance_fen", "int"],
  ["bonus_balance_fen", "int"],
  ["vip_expires_at", "int"],
  ["base_card_class", "text"],
  ["card_valid_until", "int"],
  ["headshot_hash", "text"],
  ["birthday", "text"],
  ["primary_member_id", "text"],
  ["coupons", "text"],
  ["stores", "text"],
  ["created_at", "int"],
  ["updated_at", "int"],
];

const PROFILE_COLS: readonly Col[] = [
  ["member_id", "text"],
  ["phone", "text"],
  ["gender", "text"],
  ["birth_date", "text"],
  ["home_store_id", "text"],
  ["channel", "text"],
  ["card_issued_on", "text"],
  ["card_key_state", "text"],
  ["headshot_uploaded_on", "text"],
  ["blocked_reason", "text"],
  ["created_at", "int"],
  ["updated_at", "int"],
];

/**
 * Inserts the members (as MemberRegistry.createInTx does, ON CONFLICT DO NOTHING); the inserted rows
 * by member id, as MemberRegistry.recordChangeInTx would read them back for the changelog.
 */
function insertMembers(d: BackofficeDeps, valid: readonly Accepted[]): Map<string, MemberRow> {
  const now = d.clock.now();
  const written = valid.map(({ m, stores }): MemberRow & { created_at: number; updated_at: number } => ({
    member_id: m.memberId,
    card_id: m.cardId,
    name: m.name,
    level_id: m.levelId,
    card_class: m.cardClass,
    card_public_key: m.cardPublicKey,
    status: m.status,
    points_balance: m.pointsBalance,
    balance_fen: m.balanceFen,
    bonus_balance_fen: m.bonusBalanceFen,
    vip_expires_at: m.vipExpiresAt ?? null,
    base_card_class: m.baseCardClass ?? null,
    card_valid_until: m.cardValidUntil ?? null,
    headshot_hash: m.headshotHash ?? null,
    birthday: m.birthday ?? null,
    primary_member_id: m.primaryMemberId ?? null,
    coupons: JSON.stringify(m.coupons),
    // A new member has no shopping cards (the column's default).
    shopping_cards: "[]",
    stores: JSON.stringify(stores),
    created_at: now,
    updated_at: now,
  }));
  const returned = insertJson<{ member_id: string; card_id: string }>(
    d.db,
    "members",
    MEMBER_COLS,
    written,
    "ON CONFLICT DO NOTHING RETURNING member_id, card_id",
  );
  const pairs = new Set(returned.map((r) => `${r.member_id}\u0000${r.card_id}`));
  const inserted = new Map<string, MemberRow>();
  // The first row (in file order) with an inserted pair is the one inserted: any earlier one would have been.
  for (const r of written) if (pairs.has(`${r.member_id}\u0000${r.card_id}`) && !inserted.has(r.member_id)) inserted.set(r.member_id, r);
  return inserted;
}

/** The accepted rows' other tables, one statement each; returns the changes to push (their seq set at commit). */
function writeBatchInTx(
  d: BackofficeDeps,
  rows: readonly ImportRow[],
  accepted: readonly Accepted[],
  scope: ImportScope,
  byId: ReadonlyMap<string, MemberRow>,
): ScopedChange[] {
  const db = d.db;
  const now = d.clock.now();
  // Profile and level state as MemberData.saveProfileInTx / saveLevelStateInTx write them (upserts).
  insertJson(
    db,
    "member_profiles",
    PROFILE_COLS,
    accepted.map(({ index, m }) => {
      const p = profileOf(rows[index]!.extras, rows[index]!.keyless, scope);
      return {
        member_id: m.memberId,
        phone: p.phone,
        gender: p.gender,
        birth_date: p.birthDate,
        home_store_id: p.homeStoreId,
        channel: p.channel,
        card_issued_on: p.cardIssuedOn,
        card_key_state: p.cardKeyState,
        headshot_uploaded_on: p.headshotUploadedOn,
        blocked_reason: p.blockedReason,
        created_at: now,
        updated_at: now,
      };
    }),
    `ON CONFLICT (member_id) DO UPDATE SET phone = excluded.phone, gender = excluded.gender, birth_date = excluded.birth_date,
       home_store_id = excluded.home_store_id, channel = excluded.channel, card_issued_on = excluded.card_issued_on,
       card_key_state = excluded.card_key_state, headshot_uploaded_on = excluded.headshot_uploaded_on,
       blocked_reason = excluded.blocked_reason, updated_at = excluded.updated_at`,
  );
  insertJson(
    db,
    "member_levels",
    [
      ["member_id", "text"],
      ["level_since", "text"],
      ["growth", "int"],
      ["window_growth", "int"],
      ["dirty", "int"],
      ["updated_at", "int"],
    ],
    accepted.map(({ m }) => ({ member_id: m.memberId, level_since: scope.today, growth: 0, window_growth: 0, dirty: 0, updated_at: now })),
    `ON CONFLICT (member_id) DO UPDATE SET level_since = excluded.level_since, growth = excluded.growth,
       window_growth = excluded.window_growth, dirty = excluded.dirty, updated_at = excluded.updated_at`,
  );
  // member_openings as saveOpeningInTx writes it.
  insertJson(
    db,
    "member_openings",
    [
      ["member_id", "text"],
      ["imported_on", "text"],
      ["spend_fen", "int"],
      ["top_up_fen", "int"],
      ["created_at", "int"],
    ],
    accepted.map(({ index, m }) => ({
      member_id: m.memberId,
      imported_on: scope.today,
      spend_fen: rows[index]!.extras.cumulativeSpendFen ?? 0,
      top_up_fen: rows[index]!.extras.cumulativeTopUpFen ?? 0,
      created_at: now,
    })),
  );
  // The audit rows as AuditLog.recordInTx writes them (before: null, after: the created record).
  insertJson(
    db,
    "audit_log",
    [
      ["at", "int"],
      ["actor", "text"],
      ["role", "text"],
      ["action", "text"],
      ["entity", "text"],
      ["entity_id", "text"],
      ["store_id", "text"],
      ["before", "text"],
      ["after", "text"],
      ["note", "text"],
    ],
    accepted.map(({ m }) => ({
      at: now,
      actor: scope.actor.id,
      role: scope.actor.role ?? null,
      action: "member.import",
      entity: "member",
      entity_id: m.memberId,
      store_id: scope.storeId,
      before: null,
      after: JSON.stringify(m),
      note: null,
    })),
  );
  // The opening ledger entries as recordOpeningInTx writes them (reason `import`, ref the member id).
  const ledgerCols = (amount: readonly Col[]): Col[] => [["member_id", "text"], ...amount, ["reason", "text"], ["ref", "text"], ["at", "int"]];
  insertJson(
    db,
    "points_log",
    ledgerCols([["delta", "int"]]),
    accepted
      .filter(({ m }) => m.pointsBalance !== 0)
      .map(({ m }) => ({ member_id: m.memberId, delta: m.pointsBalance, reason: "import", ref: m.memberId, at: now })),
  );
  insertJson(
    db,
    "balance_log",
    ledgerCols([
      ["delta_fen", "int"],
      ["bonus_delta_fen", "int"],
    ]),
    accepted
      .filter(({ m }) => m.balanceFen !== 0)
      .map(({ m }) => ({
        member_id: m.memberId,
        delta_fen: m.balanceFen,
        bonus_delta_fen: m.bonusBalanceFen ?? 0,
        reason: "import",
        ref: m.memberId,
        at: now,
      })),
  );
  return changelogInTx(db, accepted, byId, now);
}

/** The changelog entries MemberRegistry.recordChangeInTx makes for new members (one per store, or one for the chain), appended at commit in one statement. */
function changelogInTx(db: Database, accepted: readonly Accepted[], byId: ReadonlyMap<string, MemberRow>, now: number): ScopedChange[] {
  const out: ScopedChange[] = [];
  const entries: Array<{ member_id: string; kind: "upsert"; at: number; store_id: string | null }> = [];
  const byKey = new Map<string, MemberChange>();
  for (const { m, stores } of accepted) {
    const member = toRecord(byId.get(m.memberId)!);
    for (const storeId of stores.length === 0 ? [null] : stores) {
      const change: MemberChange = { kind: "upsert", seq: 0, member };
      out.push({ storeId, change });
      entries.push({ member_id: m.memberId, kind: "upsert", at: now, store_id: storeId });
      byKey.set(`${m.memberId}\u0000${storeId ?? ""}`, change);
    }
  }
  db.beforeCommit(() => {
    const seqs = db
      .prepare(changelogAppendManySql(db))
      .all<{ seq: number; member_id: string; store_id: string | null }>(JSON.stringify(entries.map((e, i) => ({ i, ...e }))));
    if (seqs.length !== entries.length) throw new Error(`member import: ${seqs.length} of ${entries.length} changelog rows appended`);
    for (const s of seqs) byKey.get(`${s.member_id}\u0000${s.store_id ?? ""}`)!.seq = Number(s.seq);
  });
  return out;
}
