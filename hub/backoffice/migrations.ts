// The back office's tables: users and tokens, audit, VIP, top-ups, levels, jobs, segments, stored cards (hub migrations 10-15), then the later ones (migrations-features.ts).
import type { Migration } from "../../storage/sqlite.js";
import { BACKOFFICE_FEATURE_MIGRATIONS } from "./migrations-features.js";

export const BACKOFFICE_MIGRATIONS: readonly Migration[] = [
  {
    version: 10,
    name: "backoffice-auth-audit-jobs",
    sql: `
      -- Back-office users: hq-admin (every store), store-manager and counter-staff (the stores listed).
      CREATE TABLE bo_users (
        user_id      TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        role         TEXT NOT NULL CHECK (role IN ('hq-admin', 'store-manager', 'counter-staff')),
        stores       TEXT NOT NULL DEFAULT '[]',
        permissions  TEXT NOT NULL DEFAULT '[]',
        active       INTEGER NOT NULL DEFAULT 1,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      -- API tokens, stored only as the sha256 hex of the token.
      CREATE TABLE bo_tokens (
        token_hash   TEXT PRIMARY KEY,
        token_id     TEXT NOT NULL UNIQUE,
        user_id      TEXT NOT NULL REFERENCES bo_users (user_id),
        label        TEXT NOT NULL DEFAULT '',
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        revoked_at   INTEGER
      );
      CREATE INDEX bo_tokens_user ON bo_tokens (user_id);
      -- Every change made through the back office or by a job: who, when, what, before and after.
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        role       TEXT,
        action     TEXT NOT NULL,
        entity     TEXT NOT NULL,
        entity_id  TEXT NOT NULL,
        store_id   TEXT,
        before     TEXT,
        after      TEXT,
        note       TEXT
      );
      CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
      CREATE INDEX audit_actor ON audit_log (actor, id);
      CREATE INDEX audit_at ON audit_log (at);
      -- Idempotent operations: a key is applied once; a replay gets the stored answer.
      CREATE TABLE bo_operations (
        op_key        TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        member_id     TEXT,
        request_hash  TEXT NOT NULL,
        response      TEXT NOT NULL,
        at            INTEGER NOT NULL
      );
      -- Scheduled jobs: the last store-local day each daily job has applied.
      CREATE TABLE job_runs (
        job        TEXT PRIMARY KEY,
        last_day   TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE bo_meta (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: "backoffice-members-cards",
    sql: `
      -- What the back office knows about a member beyond the record the kiosks get.
      CREATE TABLE member_profiles (
        member_id             TEXT PRIMARY KEY,
        phone                 TEXT,
        gender                TEXT CHECK (gender IN ('female', 'male', 'other')),
        birth_date            TEXT,
        home_store_id         TEXT,
        channel               TEXT NOT NULL CHECK (channel IN ('till', 'online', 'import', 'secondary')),
        card_issued_on        TEXT NOT NULL,
        -- 'none': no key from the member's app (registered without one, or revoked): live codes cannot be made.
        card_key_state        TEXT NOT NULL DEFAULT 'enrolled' CHECK (card_key_state IN ('enrolled', 'none')),
        headshot_uploaded_on  TEXT,
        blocked_reason        TEXT,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
      );
      CREATE INDEX member_profiles_store ON member_profiles (home_store_id);
      CREATE INDEX member_profiles_issued ON member_profiles (card_issued_on);
      -- Every card key a member's app enrolled, and when it ended.
      CREATE TABLE card_keys (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id    TEXT NOT NULL,
        public_key   TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'replaced')),
        enrolled_at  INTEGER NOT NULL,
        ended_at     INTEGER,
        actor        TEXT NOT NULL,
        reason       TEXT
      );
      CREATE INDEX card_keys_member ON card_keys (member_id, id);
      -- Secondary (family) cards of a VIP: pending until the holder activates with the share code.
      CREATE TABLE secondary_cards (
        card_ref           TEXT PRIMARY KEY,
        primary_member_id  TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('pending', 'active', 'cancelled')),
        share_code_hash    TEXT NOT NULL UNIQUE,
        share_expires_at   INTEGER NOT NULL,
        price_fen          INTEGER NOT NULL,
        member_id          TEXT UNIQUE,
        created_at         INTEGER NOT NULL,
        activated_at       INTEGER,
        cancelled_at       INTEGER
      );
      CREATE INDEX secondary_cards_primary ON secondary_cards (primary_member_id, state);
      -- Contacts with a member (WeChat, phone, visit...): the 'contacted' portrait.
      CREATE TABLE member_contacts (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id      TEXT NOT NULL,
        at             INTEGER NOT NULL,
        day            TEXT NOT NULL,
        channel        TEXT NOT NULL,
        consultant_id  TEXT,
        actor          TEXT NOT NULL,
        note           TEXT
      );
      CREATE INDEX member_contacts_member ON member_contacts (member_id, day);
    `,
  },
  {
    version: 12,
    name: "backoffice-money-vip",
    sql: `
      -- The bonus part of each balance change (delta_fen is the total change).
      ALTER TABLE balance_log ADD COLUMN bonus_delta_fen INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX balance_log_member ON balance_log (member_id, id);
      CREATE INDEX points_log_member ON points_log (member_id, id);
      CREATE TABLE top_ups (
        top_up_id               TEXT PRIMARY KEY,
        member_id               TEXT NOT NULL,
        store_id                TEXT NOT NULL,
        channel                 TEXT NOT NULL,
        amount_fen              INTEGER NOT NULL,
        principal_fen           INTEGER NOT NULL,
        bonus_fen               INTEGER NOT NULL,
        points                  INTEGER NOT NULL,
        shopping_card_fen       INTEGER NOT NULL,
        rule_id                 TEXT,
        bonus_edited            INTEGER NOT NULL DEFAULT 0,
        payment_method          TEXT NOT NULL,
        payment_ref             TEXT,
        refunded_principal_fen  INTEGER NOT NULL DEFAULT 0,
        refunded_bonus_fen      INTEGER NOT NULL DEFAULT 0,
        refunded_points         INTEGER NOT NULL DEFAULT 0,
        details                 TEXT NOT NULL,
        at                      INTEGER NOT NULL,
        actor                   TEXT NOT NULL
      );
      CREATE INDEX top_ups_member ON top_ups (member_id, at);
      CREATE INDEX top_ups_at ON top_ups (at);
      CREATE TABLE top_up_refunds (
        refund_id      TEXT PRIMARY KEY,
        top_up_id      TEXT NOT NULL,
        member_id      TEXT NOT NULL,
        store_id       TEXT NOT NULL,
        principal_fen  INTEGER NOT NULL,
        bonus_fen      INTEGER NOT NULL,
        points         INTEGER NOT NULL,
        reason         TEXT NOT NULL,
        at             INTEGER NOT NULL,
        actor          TEXT NOT NULL
      );
      CREATE INDEX top_up_refunds_top_up ON top_up_refunds (top_up_id);
      -- The VIP state the rules need (vip.ts VipMember) beyond the record's class and expiry.
      CREATE TABLE member_vip (
        member_id         TEXT PRIMARY KEY,
        card_valid_until  INTEGER,
        vip               TEXT,
        plan_history      TEXT NOT NULL DEFAULT '[]',
        updated_at        INTEGER NOT NULL
      );
      -- The VIP purchase record: every purchase, renewal, upgrade, gift, extension and revert.
      CREATE TABLE vip_records (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id       TEXT NOT NULL,
        kind            TEXT NOT NULL,
        plan_id         TEXT,
        class_before    TEXT NOT NULL,
        class_after     TEXT NOT NULL,
        at              INTEGER NOT NULL,
        fee_fen         INTEGER NOT NULL,
        expires_at      INTEGER,
        note            TEXT NOT NULL,
        store_id        TEXT,
        actor           TEXT NOT NULL,
        payment_method  TEXT,
        ref             TEXT NOT NULL UNIQUE
      );
      CREATE INDEX vip_records_member ON vip_records (member_id, at);
      CREATE INDEX vip_records_at ON vip_records (at);
    `,
  },
  {
    version: 13,
    name: "backoffice-levels-segments-consultants",
    sql: `
      -- Level state: the day the level began, the growth value, and growth earned since the level began.
      CREATE TABLE member_levels (
        member_id      TEXT PRIMARY KEY,
        level_since    TEXT NOT NULL,
        growth         INTEGER NOT NULL DEFAULT 0,
        window_growth  INTEGER NOT NULL DEFAULT 0,
        dirty          INTEGER NOT NULL DEFAULT 0,
        updated_at     INTEGER NOT NULL
      );
      CREATE INDEX member_levels_dirty ON member_levels (dirty);
      CREATE TABLE level_changes (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id     TEXT NOT NULL,
        from_level    TEXT NOT NULL,
        to_level      TEXT NOT NULL,
        kind          TEXT NOT NULL,
        effective_on  TEXT NOT NULL,
        reason        TEXT NOT NULL,
        at            INTEGER NOT NULL,
        actor         TEXT NOT NULL
      );
      CREATE INDEX level_changes_member ON level_changes (member_id, id);
      CREATE TABLE member_portraits (
        member_id    TEXT PRIMARY KEY,
        frequency    TEXT NOT NULL,
        tags         TEXT NOT NULL,
        computed_on  TEXT NOT NULL
      );
      CREATE INDEX member_portraits_frequency ON member_portraits (frequency);
      -- Sale lines with their product's category and brand, indexed from the ledger for segments.
      CREATE TABLE sale_lines (
        sale_id    TEXT NOT NULL,
        line       INTEGER NOT NULL,
        member_id  TEXT NOT NULL,
        store_id   TEXT NOT NULL,
        day        TEXT NOT NULL,
        sku        TEXT NOT NULL,
        category   TEXT,
        brand      TEXT,
        qty        INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line)
      );
      CREATE INDEX sale_lines_member ON sale_lines (member_id, day);
      CREATE INDEX sale_lines_sku ON sale_lines (sku, day);
      CREATE INDEX sale_lines_category ON sale_lines (category, day);
      CREATE INDEX sale_lines_brand ON sale_lines (brand, day);
      CREATE INDEX sales_member_at ON sales (member_id, at);
      CREATE INDEX sales_at ON sales (at);
      CREATE TABLE consultants (
        consultant_id  TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        store_id       TEXT NOT NULL,
        active         INTEGER NOT NULL DEFAULT 1,
        created_at     INTEGER NOT NULL,
        left_at        INTEGER
      );
      CREATE TABLE consultant_bindings (
        member_id      TEXT PRIMARY KEY,
        consultant_id  TEXT NOT NULL,
        bound_at       INTEGER NOT NULL
      );
      CREATE INDEX consultant_bindings_consultant ON consultant_bindings (consultant_id);
      -- The yearly points clear: one row per year, so it can never run twice.
      CREATE TABLE yearly_clears (
        year             INTEGER PRIMARY KEY,
        acknowledged_by  TEXT,
        acknowledged_at  INTEGER,
        cleared_at       INTEGER,
        members          INTEGER NOT NULL DEFAULT 0,
        points           INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 14,
    name: "backoffice-vip-expiry-index",
    sql: `
      -- The VIP expiry job looks for expiries passed since its last run.
      CREATE INDEX members_vip_expires ON members (vip_expires_at) WHERE vip_expires_at IS NOT NULL;
    `,
  },
  {
    version: 15,
    name: "backoffice-shopping-punch-plus",
    sql: `
      -- Shopping cards: stored value apart from the general balance, moved only through MoneyLedger.
      CREATE TABLE shopping_cards (
        card_id     TEXT PRIMARY KEY,
        member_id   TEXT NOT NULL,
        balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
        store_id    TEXT,
        created_at  INTEGER NOT NULL,
        actor       TEXT NOT NULL
      );
      CREATE INDEX shopping_cards_member ON shopping_cards (member_id, created_at);
      CREATE TABLE shopping_card_log (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        card_id         TEXT NOT NULL,
        member_id       TEXT NOT NULL,
        delta_fen       INTEGER NOT NULL,
        bonus_delta_fen INTEGER NOT NULL DEFAULT 0,
        reason          TEXT NOT NULL,
        ref             TEXT NOT NULL,
        at              INTEGER NOT NULL,
        UNIQUE (reason, ref)
      );
      CREATE INDEX shopping_card_log_card ON shopping_card_log (card_id, id);
      -- Which card a top-up credited, the card's own-money part, and what went back by refunds.
      ALTER TABLE top_ups ADD COLUMN shopping_card_id TEXT;
      ALTER TABLE top_ups ADD COLUMN card_principal_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE top_ups ADD COLUMN refunded_shopping_card_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE top_up_refunds ADD COLUMN shopping_card_fen INTEGER NOT NULL DEFAULT 0;
      -- Punch cards: N uses of a named service.
      CREATE TABLE punch_cards (
        card_id        TEXT PRIMARY KEY,
        member_id      TEXT NOT NULL,
        service_id     TEXT NOT NULL,
        total_uses     INTEGER NOT NULL CHECK (total_uses > 0),
        remaining_uses INTEGER NOT NULL CHECK (remaining_uses >= 0),
        source         TEXT NOT NULL,
        source_ref     TEXT NOT NULL,
        store_id       TEXT,
        created_at     INTEGER NOT NULL,
        UNIQUE (source, source_ref, service_id)
      );
      CREATE INDEX punch_cards_member ON punch_cards (member_id, created_at);
      CREATE TABLE punch_card_uses (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        card_id     TEXT NOT NULL,
        member_id   TEXT NOT NULL,
        request_id  TEXT NOT NULL,
        uses        INTEGER NOT NULL,
        remaining   INTEGER NOT NULL,
        store_id    TEXT NOT NULL,
        note        TEXT,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        UNIQUE (card_id, request_id)
      );
      -- PLUS (online-only paid tier): active while expires_at is in the future.
      CREATE TABLE member_plus (
        member_id   TEXT PRIMARY KEY,
        since       INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
    `,
  },
  ...BACKOFFICE_FEATURE_MIGRATIONS,
];
