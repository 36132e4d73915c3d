// The back office's later PostgreSQL migrations (11 and up, each "as SQLite's N" of hub/backoffice/migrations-features.ts): sales index flag, console sign-in, coupons, claims, gifts, yearly clear, the offline-use index, the notifications outbox, kiosk commands, member openings (imports from an old system), PLUS records, the card validity on member records, shopping cards as a tender.
import type { Migration } from "../../storage/sqlite.js";

/** PostgreSQL migrations 11 and up; a new back-office table or column goes here (and in migrations-features.ts). */
export const BACKOFFICE_PG_FEATURE_MIGRATIONS: readonly Migration[] = [
  {
    version: 11,
    name: "sales-indexed-flag",
    sql: `
      -- As SQLite's 16: the sales index job takes sales not yet indexed (a rowid cursor could skip a
      -- lower id that commits after a higher one when several hub instances write).
      ALTER TABLE sales ADD COLUMN indexed BIGINT NOT NULL DEFAULT 0;
      CREATE INDEX sales_not_indexed ON sales (rowid) WHERE indexed = 0;
    `,
  },
  {
    version: 12,
    name: "console-sign-in",
    sql: `
      -- As SQLite's 17. Console sign-in (hub/auth/sessions.ts): scrypt password hashes, browser sessions (sha256 of
      -- the cookie value only), one-time links (first-admin setup, demo sign-in).
      CREATE TABLE bo_passwords (
        user_id     TEXT PRIMARY KEY,
        hash        TEXT NOT NULL,
        updated_at  BIGINT NOT NULL
      );
      CREATE TABLE bo_sessions (
        id_hash       TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL,
        csrf          TEXT NOT NULL,
        created_at    BIGINT NOT NULL,
        last_seen_at  BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL
      );
      CREATE INDEX bo_sessions_user ON bo_sessions (user_id);
      CREATE TABLE bo_auth_links (
        token_hash  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('setup', 'sign-in')),
        user_id     TEXT,
        created_at  BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL,
        used_at     BIGINT
      );
      -- The console's member search: by phone and by name prefix (member and card ids are keys already).
      CREATE INDEX member_profiles_phone ON member_profiles (phone) WHERE phone IS NOT NULL;
      CREATE INDEX members_name ON members (name);
    `,
  },
  {
    version: 13,
    name: "coupon-issues",
    sql: `
      -- As SQLite's 18. Coupons issued by the back office (coupons-issue.ts): each instance given, its batch and source,
      -- and when recalled; batches of a segment with their limits; once-only gifts (registration,
      -- birthday per year, level reached) so nothing is given twice, also after a restart.
      CREATE TABLE coupon_batches (
        batch_id     TEXT PRIMARY KEY,
        store_id     TEXT,
        name         TEXT NOT NULL,
        gift         TEXT NOT NULL,
        max_count    BIGINT,
        budget_fen   BIGINT,
        value_fen    BIGINT,
        issued       BIGINT NOT NULL,
        members      BIGINT NOT NULL,
        stopped_by   TEXT,
        created_at   BIGINT NOT NULL,
        actor        TEXT NOT NULL,
        recalled_at  BIGINT
      );
      CREATE TABLE coupon_issues (
        instance_id  TEXT PRIMARY KEY,
        batch_id     TEXT,
        member_id    TEXT NOT NULL,
        coupon_id    TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('manual', 'batch', 'registration', 'birthday', 'level')),
        issued_at    BIGINT NOT NULL,
        valid_from   TEXT NOT NULL,
        expires_on   TEXT NOT NULL,
        recalled_at  BIGINT
      );
      CREATE INDEX coupon_issues_batch ON coupon_issues (batch_id);
      CREATE INDEX coupon_issues_member ON coupon_issues (member_id);
      CREATE TABLE coupon_once (
        once_key   TEXT PRIMARY KEY,
        member_id  TEXT NOT NULL,
        at         BIGINT NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: "claims-settlement",
    sql: `
      -- As SQLite's 19. Pay-at-the-counter settlement (claims.ts): when and by whom a ticket was paid (or expired), and how.
      ALTER TABLE claims ADD COLUMN settled_at BIGINT;
      ALTER TABLE claims ADD COLUMN settled_by TEXT;
      ALTER TABLE claims ADD COLUMN payment TEXT;
      CREATE INDEX claims_open ON claims (expires_at) WHERE status = 'open';
    `,
  },
  {
    version: 15,
    name: "points-gifts",
    sql: `
      -- As SQLite's 20. Points gifts (points-gifts.ts): HQ's gift rules (JSON body) with the stock apart, so a
      -- redemption takes it atomically; each redemption and its one reversal.
      CREATE TABLE points_gifts (
        gift_id     TEXT PRIMARY KEY,
        body        TEXT NOT NULL,
        stock       BIGINT,
        updated_at  BIGINT NOT NULL,
        actor       TEXT NOT NULL
      );
      CREATE TABLE points_redemptions (
        redemption_id   TEXT PRIMARY KEY,
        gift_id         TEXT NOT NULL,
        member_id       TEXT NOT NULL,
        store_id        TEXT NOT NULL,
        qty             BIGINT NOT NULL,
        points          BIGINT NOT NULL,
        cash_fen        BIGINT NOT NULL,
        payment         TEXT NOT NULL,
        at              BIGINT NOT NULL,
        actor           TEXT NOT NULL,
        reversed_at     BIGINT,
        reversed_by     TEXT,
        reverse_reason  TEXT
      );
      CREATE INDEX points_redemptions_member ON points_redemptions (member_id, at);
      CREATE INDEX points_redemptions_gift ON points_redemptions (gift_id, member_id);
    `,
  },
  {
    version: 16,
    name: "yearly-clear-skipped",
    sql: `
      -- As SQLite's 21. The yearly clear needs HQ's confirmation (points.ts): a 1 January without one is skipped, and
      -- when that happened is kept (no accidental clear, seed 001).
      ALTER TABLE yearly_clears ADD COLUMN skipped_at BIGINT;
    `,
  },
  {
    version: 17,
    name: "sales-offline-used",
    sql: `
      -- As SQLite's 22. Ingest's offline allowance (ingest-guard.ts offlineUsed): one kiosk's offline-approved sales to one member on one day.
      CREATE INDEX sales_offline_used ON sales (device_id, member_id, at, balance_fen, points_redeemed) WHERE offline_approved = 1;
    `,
  },
  {
    version: 18,
    name: "notifications-outbox",
    sql: `
      -- As SQLite's 23. Messages to members (hub/notify/outbox.ts): one row per message, written in the transaction of
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
        attempts         BIGINT NOT NULL DEFAULT 0,
        next_at          BIGINT NOT NULL,
        claimed_by       TEXT,
        claimed_at       BIGINT,
        channel          TEXT,
        created_at       BIGINT NOT NULL,
        sent_at          BIGINT,
        last_error       TEXT
      );
      CREATE INDEX notifications_due ON notifications (next_at) WHERE status = 'pending';
      CREATE INDEX notifications_sending ON notifications (claimed_at) WHERE status = 'sending';
      CREATE INDEX notifications_member ON notifications (member_id, created_at);
      CREATE TABLE notification_optouts (
        member_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        at         BIGINT NOT NULL,
        actor      TEXT NOT NULL,
        PRIMARY KEY (member_id, kind)
      );
    `,
  },
  {
    version: 19,
    name: "kiosk-commands",
    sql: `
      -- As SQLite's 24. Remote commands to kiosks (hub/fleet.ts): one row per command the console sent (open the gate
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
        issued_at     BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL,
        kiosk_online  BIGINT NOT NULL,
        answered_at   BIGINT,
        result_code   TEXT,
        message       TEXT
      );
      CREATE INDEX kiosk_commands_device ON kiosk_commands (device_id, issued_at);
      CREATE INDEX kiosk_commands_issued ON kiosk_commands (issued_at);
      CREATE INDEX kiosk_commands_open ON kiosk_commands (expires_at) WHERE status = 'sent';
    `,
  },
  {
    version: 20,
    name: "member-openings",
    sql: `
      -- As SQLite's 25. Members imported from an old system (hub/backoffice/member-openings.ts): the day of the
      -- import (the hub knows their purchases from then on) and the cumulative spend and top-up the old
      -- system had, which the level metrics and portraits add to what the hub has recorded since.
      CREATE TABLE member_openings (
        member_id     TEXT PRIMARY KEY,
        imported_on   TEXT NOT NULL,
        spend_fen     BIGINT NOT NULL DEFAULT 0,
        top_up_fen    BIGINT NOT NULL DEFAULT 0,
        created_at    BIGINT NOT NULL
      );
    `,
  },
  {
    version: 21,
    name: "plus-records",
    sql: `
      -- As SQLite's 26. PLUS purchase record (hub/backoffice/plus-plans.ts): every purchase and renewal of a PLUS plan
      -- at the counter, what it cost and how it was paid, and the expiry it set. ref (the operation's
      -- Idempotency-Key) makes a replay record nothing.
      CREATE TABLE plus_records (
        id                   BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        member_id            TEXT NOT NULL,
        kind                 TEXT NOT NULL,
        plan_id              TEXT NOT NULL,
        card_class           TEXT NOT NULL,
        at                   BIGINT NOT NULL,
        fee_fen              BIGINT NOT NULL,
        bonus_days           BIGINT NOT NULL,
        previous_expires_at  BIGINT,
        expires_at           BIGINT NOT NULL,
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
    version: 22,
    name: "member-card-validity",
    sql: `
      -- As SQLite's 27. The card's own validity (会员卡有效期) on the member record the kiosks get
      -- (MemberRecord.cardValidUntil): member_vip's, or while VIP the one the VIP's end restores.
      ALTER TABLE members ADD COLUMN card_valid_until BIGINT;
      UPDATE members SET card_valid_until = (
        SELECT CASE WHEN v.vip IS NULL THEN v.card_valid_until ELSE (v.vip::jsonb ->> 'previousValidUntil')::bigint END
        FROM member_vip v WHERE v.member_id = members.member_id);
    `,
  },
  {
    version: 23,
    name: "shopping-card-tender",
    sql: `
      -- As SQLite's 28. Shopping cards (购物卡) pay at the kiosk and the counter; members.shopping_cards is
      -- the kiosks' copy of the member's cards (MemberRecord.shoppingCards), written with every card movement.
      ALTER TABLE members ADD COLUMN shopping_cards TEXT NOT NULL DEFAULT '[]';
      UPDATE members SET shopping_cards = (
        SELECT json_agg(json_build_object('cardId', c.card_id, 'balanceFen', c.balance_fen) ORDER BY c.created_at, c.rowid)::text
        FROM shopping_cards c WHERE c.member_id = members.member_id)
      WHERE member_id IN (SELECT member_id FROM shopping_cards);
      -- An offline kiosk sale may take a card below zero (recorded in overdrafts); MoneyLedger refuses the rest.
      ALTER TABLE shopping_cards DROP CONSTRAINT IF EXISTS shopping_cards_balance_fen_check;
      -- An overdraft may be a shopping card's.
      ALTER TABLE overdrafts DROP CONSTRAINT IF EXISTS overdrafts_kind_check;
      ALTER TABLE overdrafts ADD CONSTRAINT overdrafts_kind_check CHECK (kind IN ('balance', 'points', 'shopping-card'));
      ALTER TABLE holds ADD COLUMN shopping_card_id TEXT;
      ALTER TABLE holds ADD COLUMN shopping_card_fen BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE sales ADD COLUMN shopping_card_id TEXT;
      ALTER TABLE sales ADD COLUMN shopping_card_fen BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE returns ADD COLUMN shopping_card_fen BIGINT NOT NULL DEFAULT 0;
    `,
  },
];
