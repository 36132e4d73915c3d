// The back office's later SQLite migrations (16 and up): sales index flag, console sign-in, coupon issues, claims settlement, points gifts, yearly clear skipped, the offline-use index, the notifications outbox, kiosk commands, member openings (imports from an old system), PLUS records, the card validity on member records, shopping cards as a tender.
import type { Migration } from "../../storage/sqlite.js";

/** SQLite migrations 16 and up; a new back-office table or column goes here (and in pg-migrations-features.ts). */
export const BACKOFFICE_FEATURE_MIGRATIONS: readonly Migration[] = [
  {
    version: 16,
    name: "sales-indexed-flag",
    sql: `
      -- The sales index job takes sales not yet indexed instead of following a rowid cursor: with
      -- several hub instances on PostgreSQL a lower id can commit after a higher one, and a cursor
      -- would skip it. Sales the cursor had passed are marked indexed.
      ALTER TABLE sales ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
      UPDATE sales SET indexed = 1 WHERE rowid <= COALESCE((SELECT CAST(value AS INTEGER) FROM bo_meta WHERE key = 'cursor:sales'), 0);
      CREATE INDEX sales_not_indexed ON sales (indexed) WHERE indexed = 0;
    `,
  },
  {
    version: 17,
    name: "console-sign-in",
    sql: `
      -- Console sign-in (hub/auth/sessions.ts): scrypt password hashes, browser sessions (sha256 of
      -- the cookie value only), one-time links (first-admin setup, demo sign-in).
      CREATE TABLE bo_passwords (
        user_id     TEXT PRIMARY KEY,
        hash        TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      CREATE TABLE bo_sessions (
        id_hash       TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL,
        csrf          TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL
      );
      CREATE INDEX bo_sessions_user ON bo_sessions (user_id);
      CREATE TABLE bo_auth_links (
        token_hash  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('setup', 'sign-in')),
        user_id     TEXT,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER
      );
      -- The console's member search: by phone and by name prefix (member and card ids are keys already).
      CREATE INDEX member_profiles_phone ON member_profiles (phone) WHERE phone IS NOT NULL;
      CREATE INDEX members_name ON members (name);
    `,
  },
  {
    version: 18,
    name: "coupon-issues",
    sql: `
      -- Coupons issued by the back office (coupons-issue.ts): each instance given, its batch and source,
      -- and when recalled; batches of a segment with their limits; once-only gifts (registration,
      -- birthday per year, level reached) so nothing is given twice, also after a restart.
      CREATE TABLE coupon_batches (
        batch_id     TEXT PRIMARY KEY,
        store_id     TEXT,
        name         TEXT NOT NULL,
        gift         TEXT NOT NULL,
        max_count    INTEGER,
        budget_fen   INTEGER,
        value_fen    INTEGER,
        issued       INTEGER NOT NULL,
        members      INTEGER NOT NULL,
        stopped_by   TEXT,
        created_at   INTEGER NOT NULL,
        actor        TEXT NOT NULL,
        recalled_at  INTEGER
      );
      CREATE TABLE coupon_issues (
        instance_id  TEXT PRIMARY KEY,
        batch_id     TEXT,
        member_id    TEXT NOT NULL,
        coupon_id    TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('manual', 'batch', 'registration', 'birthday', 'level')),
        issued_at    INTEGER NOT NULL,
        valid_from   TEXT NOT NULL,
        expires_on   TEXT NOT NULL,
        recalled_at  INTEGER
      );
      CREATE INDEX coupon_issues_batch ON coupon_issues (batch_id);
      CREATE INDEX coupon_issues_member ON coupon_issues (member_id);
      CREATE TABLE coupon_once (
        once_key   TEXT PRIMARY KEY,
        member_id  TEXT NOT NULL,
        at         INTEGER NOT NULL
      );
    `,
  },
  {
    version: 19,
    name: "claims-settlement",
    sql: `
      -- Pay-at-the-counter settlement (claims.ts): when and by whom a ticket was paid (or expired), and how.
      ALTER TABLE claims ADD COLUMN settled_at INTEGER;
      ALTER TABLE claims ADD COLUMN settled_by TEXT;
      ALTER TABLE claims ADD COLUMN payment TEXT;
      CREATE INDEX claims_open ON claims (expires_at) WHERE status = 'open';
    `,
  },
  {
    version: 20,
    name: "points-gifts",
    sql: `
      -- Points gifts (points-gifts.ts): HQ's gift rules (JSON body) with the stock apart, so a
      -- redemption takes it atomically; each redemption and its one reversal.
      CREATE TABLE points_gifts (
        gift_id     TEXT PRIMARY KEY,
        body        TEXT NOT NULL,
        stock       INTEGER,
        updated_at  INTEGER NOT NULL,
        actor       TEXT NOT NULL
      );
      CREATE TABLE points_redemptions (
        redemption_id   TEXT PRIMARY KEY,
        gift_id         TEXT NOT NULL,
        member_id       TEXT NOT NULL,
        store_id        TEXT NOT NULL,
        qty             INTEGER NOT NULL,
        points          INTEGER NOT NULL,
        cash_fen        INTEGER NOT NULL,
        payment         TEXT NOT NULL,
        at              INTEGER NOT NULL,
        actor           TEXT NOT NULL,
        reversed_at     INTEGER,
        reversed_by     TEXT,
        reverse_reason  TEXT
      );
      CREATE INDEX points_redemptions_member ON points_redemptions (member_id, at);
      CREATE INDEX points_redemptions_gift ON points_redemptions (gift_id, member_id);
    `,
  },
  {
    version: 21,
    name: "yearly-clear-skipped",
    sql: `
      -- The yearly clear needs HQ's confirmation (points.ts): a 1 January without one is skipped, and
      -- when that happened is kept (no accidental clear, seed 001).
      ALTER TABLE yearly_clears ADD COLUMN skipped_at INTEGER;
    `,
  },
  {
    version: 22,
    name: "sales-offline-used",
    sql: `
      -- Ingest's offline allowance (ingest-guard.ts offlineUsed) sums one kiosk's offline-approved
      -- sales to one member on one local day: without this it walked every sale of the member that day
      -- through sales_member_at, and grew with the member's sales. Covering: the sums need no table row.
      CREATE INDEX sales_offline_used ON sales (device_id, member_id, at, balance_fen, points_redeemed) WHERE offline_approved = 1;
    `,
  },
  {
    version: 23,
    name: "notifications-outbox",
    sql: `
      -- Messages to members (hub/notify/outbox.ts): one row per message, written in the transaction of
      -- its event (top-up, ingested sale) or by the daily job (coupon / VIP expiring, points clear);
      -- dedupe_key makes each event's message once only. The sender claims a row (status 'sending')
      -- before handing it to a driver; a claim left by a crash becomes 'unknown' and is never resent
      -- by itself (at most once). Opt-outs per member and kind ('all' for every kind).
      CREATE TABLE notifications (
        notification_id  TEXT PRIMARY KEY,
        dedupe_key       TEXT NOT NULL UNIQUE,
        member_id        TEXT NOT NULL,
        kind             TEXT NOT NULL,
        recipient        TEXT,
        body             TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'unknown')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_at          INTEGER NOT NULL,
        claimed_by       TEXT,
        claimed_at       INTEGER,
        channel          TEXT,
        created_at       INTEGER NOT NULL,
        sent_at          INTEGER,
        last_error       TEXT
      );
      CREATE INDEX notifications_due ON notifications (next_at) WHERE status = 'pending';
      CREATE INDEX notifications_sending ON notifications (claimed_at) WHERE status = 'sending';
      CREATE INDEX notifications_member ON notifications (member_id, created_at);
      CREATE TABLE notification_optouts (
        member_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        PRIMARY KEY (member_id, kind)
      );
    `,
  },
  {
    version: 24,
    name: "kiosk-commands",
    sql: `
      -- Remote commands to kiosks (hub/fleet.ts): one row per command the console sent (open the gate
      -- once, resync members, reprint, restart, printer test), who sent it, until when it may run, and
      -- the kiosk's answer. 'sent' rows past expires_at become 'expired' (offline, or no answer).
      CREATE TABLE kiosk_commands (
        command_id    TEXT PRIMARY KEY,
        store_id      TEXT NOT NULL,
        device_id     TEXT NOT NULL,
        type          TEXT NOT NULL,
        args          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('sent', 'ok', 'failed', 'refused', 'expired')),
        actor_id      TEXT NOT NULL,
        actor_role    TEXT NOT NULL,
        issued_at     INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        kiosk_online  INTEGER NOT NULL,
        answered_at   INTEGER,
        result_code   TEXT,
        message       TEXT
      );
      CREATE INDEX kiosk_commands_device ON kiosk_commands (device_id, issued_at);
      CREATE INDEX kiosk_commands_issued ON kiosk_commands (issued_at);
      CREATE INDEX kiosk_commands_open ON kiosk_commands (expires_at) WHERE status = 'sent';
    `,
  },
  {
    version: 25,
    name: "member-openings",
    sql: `
      -- Members imported from an old system (hub/backoffice/member-openings.ts): the day of the
      -- import (the hub knows their purchases from then on) and the cumulative spend and top-up the old
      -- system had, which the level metrics and portraits add to what the hub has recorded since.
      CREATE TABLE member_openings (
        member_id     TEXT PRIMARY KEY,
        imported_on   TEXT NOT NULL,
        spend_fen     INTEGER NOT NULL DEFAULT 0,
        top_up_fen    INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL
      );
    `,
  },
  {
    version: 26,
    name: "plus-records",
    sql: `
      -- PLUS purchase record (hub/backoffice/plus-plans.ts): every purchase and renewal of a PLUS plan
      -- at the counter, what it cost and how it was paid, and the expiry it set. ref (the operation's
      -- Idempotency-Key) makes a replay record nothing.
      CREATE TABLE plus_records (
        id                   INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id            TEXT NOT NULL,
        kind                 TEXT NOT NULL,
        plan_id              TEXT NOT NULL,
        card_class           TEXT NOT NULL,
        at                   INTEGER NOT NULL,
        fee_fen              INTEGER NOT NULL,
        bonus_days           INTEGER NOT NULL,
        previous_expires_at  INTEGER,
        expires_at           INTEGER NOT NULL,
        note                 TEXT NOT NULL,
        store_id             TEXT NOT NULL,
        actor                TEXT NOT NULL,
        payment_method       TEXT NOT NULL,
        ref                  TEXT NOT NULL UNIQUE
      );
      CREATE INDEX plus_records_member ON plus_records (member_id, at);
    `,
  },
  {
    version: 27,
    name: "member-card-validity",
    sql: `
      -- The card's own validity (会员卡有效期) on the member record the kiosks get
      -- (MemberRecord.cardValidUntil): member_vip's, or while VIP the one the VIP's end restores.
      ALTER TABLE members ADD COLUMN card_valid_until INTEGER;
      UPDATE members SET card_valid_until = (
        SELECT CASE WHEN v.vip IS NULL THEN v.card_valid_until ELSE json_extract(v.vip, '$.previousValidUntil') END
        FROM member_vip v WHERE v.member_id = members.member_id);
    `,
  },
  {
    version: 28,
    name: "shopping-card-tender",
    sql: `
      -- Shopping cards (购物卡) pay at the kiosk and the counter (hub/ingest-cards.ts, claims.ts).
      -- members.shopping_cards: the kiosks' copy of the member's cards and balances (MemberRecord.shoppingCards),
      -- written with every card movement (MoneyLedger).
      ALTER TABLE members ADD COLUMN shopping_cards TEXT NOT NULL DEFAULT '[]';
      UPDATE members SET shopping_cards = (
        SELECT json_group_array(json_object('cardId', c.card_id, 'balanceFen', c.balance_fen))
        FROM (SELECT card_id, balance_fen FROM shopping_cards WHERE member_id = members.member_id ORDER BY created_at, rowid) c)
      WHERE member_id IN (SELECT member_id FROM shopping_cards);
      -- A kiosk sale a card paid offline may take a card below zero (recorded in overdrafts, as the
      -- general balance): the card table loses its CHECK (balance_fen >= 0); MoneyLedger still refuses
      -- every other move below zero. Rebuilt keeping each card's rowid (cards are listed in rowid order).
      CREATE TABLE shopping_cards_next (
        card_id     TEXT PRIMARY KEY,
        member_id   TEXT NOT NULL,
        balance_fen INTEGER NOT NULL DEFAULT 0,
        store_id    TEXT,
        created_at  INTEGER NOT NULL,
        actor       TEXT NOT NULL
      );
      INSERT INTO shopping_cards_next (rowid, card_id, member_id, balance_fen, store_id, created_at, actor)
        SELECT rowid, card_id, member_id, balance_fen, store_id, created_at, actor FROM shopping_cards;
      DROP TABLE shopping_cards;
      ALTER TABLE shopping_cards_next RENAME TO shopping_cards;
      CREATE INDEX shopping_cards_member ON shopping_cards (member_id, created_at);
      -- An overdraft may be a shopping card's (kind 'shopping-card'): the table is rebuilt with the wider CHECK.
      CREATE TABLE overdrafts_next (
        device_id      TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        member_id      TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('balance', 'points', 'shopping-card')),
        amount         INTEGER NOT NULL,
        balance_after  INTEGER NOT NULL,
        offline        INTEGER NOT NULL,
        at             INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq, kind)
      );
      INSERT INTO overdrafts_next SELECT device_id, seq, member_id, kind, amount, balance_after, offline, at FROM overdrafts;
      DROP TABLE overdrafts;
      ALTER TABLE overdrafts_next RENAME TO overdrafts;
      -- The card money a hold keeps for a kiosk sale in flight (authorizer.ts), what a sale took from a
      -- card (the offline limit counts it) and what a return gave back to it.
      ALTER TABLE holds ADD COLUMN shopping_card_id TEXT;
      ALTER TABLE holds ADD COLUMN shopping_card_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sales ADD COLUMN shopping_card_id TEXT;
      ALTER TABLE sales ADD COLUMN shopping_card_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE returns ADD COLUMN shopping_card_fen INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
