// The kiosk's SQLite schema, as numbered migrations.
import type { Migration } from "../storage/sqlite.js";
import { KIOSK_CATALOG_MIGRATIONS } from "./catalog-store.js";

const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "core",
    sql: `
      -- Append-only business facts with a gapless sequence (seq = rowid, never reused).
      CREATE TABLE ledger (
        seq             INTEGER PRIMARY KEY,
        entry_id        TEXT NOT NULL UNIQUE,
        type            TEXT NOT NULL,
        at              INTEGER NOT NULL,
        config_version  INTEGER NOT NULL,
        body            TEXT NOT NULL
      );
      -- What still has to reach the hub: trimmed when the hub acknowledges a high-water mark.
      CREATE TABLE outbox (
        seq      INTEGER PRIMARY KEY REFERENCES ledger (seq),
        payload  TEXT NOT NULL
      );
      CREATE TABLE sync_state (
        key    TEXT PRIMARY KEY,
        value  INTEGER NOT NULL
      );
      INSERT INTO sync_state (key, value) VALUES ('acked_seq', 0), ('member_cursor', 0), ('config_version', 0);
      -- The member cache, synced from the hub's changelog.
      CREATE TABLE members (
        member_id  TEXT PRIMARY KEY,
        card_id    TEXT NOT NULL UNIQUE,
        record     TEXT NOT NULL
      );
      -- Effects of local sales not yet reflected in the hub's member snapshot.
      CREATE TABLE member_pending (
        seq            INTEGER PRIMARY KEY REFERENCES ledger (seq),
        member_id      TEXT NOT NULL,
        points_delta   INTEGER NOT NULL,
        balance_delta  INTEGER NOT NULL
      );
      CREATE TABLE config (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        version   INTEGER NOT NULL,
        envelope  TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "photos-and-offline-limits",
    sql: `
      -- Headshots by content hash (sha256 hex), fetched from the hub for the members in the cache.
      CREATE TABLE photos (
        hash   TEXT PRIMARY KEY,
        mime   TEXT NOT NULL,
        bytes  BLOB NOT NULL
      );
      -- What this kiosk approved on its own (hub unreachable), per member per store-local day.
      CREATE TABLE offline_usage (
        member_id    TEXT NOT NULL,
        day          TEXT NOT NULL,
        balance_fen  INTEGER NOT NULL DEFAULT 0,
        points       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (member_id, day)
      );
    `,
  },
  {
    version: 3,
    name: "session-returns-verification",
    sql: `
      -- The priced cart and tender plan of each sale this kiosk made, so a return reverses exactly what it got.
      CREATE TABLE sales (
        sale_id   TEXT PRIMARY KEY,
        seq       INTEGER NOT NULL UNIQUE REFERENCES ledger (seq),
        member_id TEXT NOT NULL,
        card_id   TEXT NOT NULL,
        at        INTEGER NOT NULL,
        priced    TEXT NOT NULL,
        tenders   TEXT NOT NULL,
        -- The coupon instances the sale used, as the member held them (restorable on a whole-order return).
        coupons   TEXT NOT NULL DEFAULT '[]'
      );
      -- Units already given back per sale line (the sum of this kiosk's return facts).
      CREATE TABLE returned_units (
        sale_id  TEXT NOT NULL REFERENCES sales (sale_id),
        line     INTEGER NOT NULL,
        qty      INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line)
      );
      -- Stored-value bonus moved by local facts the hub has not acknowledged yet.
      ALTER TABLE member_pending ADD COLUMN bonus_delta INTEGER NOT NULL DEFAULT 0;
      -- Coupons used (or given back) by local facts the hub has not acknowledged yet.
      CREATE TABLE member_pending_coupons (
        seq          INTEGER NOT NULL REFERENCES ledger (seq),
        member_id    TEXT NOT NULL,
        instance_id  TEXT NOT NULL,
        action       TEXT NOT NULL CHECK (action IN ('use', 'restore')),
        coupon       TEXT NOT NULL,
        PRIMARY KEY (seq, instance_id)
      );
      CREATE INDEX member_pending_coupons_member ON member_pending_coupons (member_id);
      -- Members admitted to shop at this kiosk per store-local day (staff verification: first use of the day).
      CREATE TABLE member_visits (
        member_id  TEXT NOT NULL,
        day        TEXT NOT NULL,
        at         INTEGER NOT NULL,
        PRIMARY KEY (member_id, day)
      );
    `,
  },
  {
    version: 4,
    name: "member-code-replay",
    sql: `
      -- Live member codes already accepted, kept until their window has passed, so a restart does not
      -- make a code shown a moment ago acceptable again.
      CREATE TABLE seen_codes (
        code        TEXT PRIMARY KEY,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX seen_codes_expiry ON seen_codes (expires_at);
    `,
  },
  {
    version: 5,
    name: "member-quarantine",
    sql: `
      -- Member changes from the hub this kiosk could not read (out-of-range figures, a broken record):
      -- set aside with the reason so the cursor still moves, reported to the hub in the status message.
      CREATE TABLE member_quarantine (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        seq         INTEGER NOT NULL,
        member_id   TEXT,
        reason      TEXT NOT NULL,
        raw         TEXT NOT NULL,
        at          INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "compact-sale-commit",
    sql: `
      -- The outbox lists the ledger positions still to send; the entry itself is the ledger row (one copy, not two).
      ALTER TABLE outbox DROP COLUMN payload;
      -- An effect's coupon moves travel in its own row, as JSON [{action, coupon}]; member_pending_coupons keeps older ones.
      ALTER TABLE member_pending ADD COLUMN coupons TEXT;
      -- Each sale's receipt (compact and deflated: device/sale-record.ts), tender plan and coupons, keyed by its
      -- ledger position; its ledger entry is named by the sale id, so ledger.entry_id's index finds it (one index
      -- fewer to write per sale). Sales written before this migration stay in sales (read there, not copied: a
      -- kiosk may hold years of them, and the copy would need that much free space again).
      CREATE TABLE sale_records (
        seq        INTEGER PRIMARY KEY REFERENCES ledger (seq),
        sale_id    TEXT NOT NULL,
        member_id  TEXT NOT NULL,
        card_id    TEXT NOT NULL,
        at         INTEGER NOT NULL,
        priced     BLOB NOT NULL,
        tenders    TEXT NOT NULL,
        coupons    TEXT NOT NULL
      );
      -- Units given back per sale line, for sales in either table (returned_units could only name rows of sales).
      CREATE TABLE returned_lines (
        sale_id  TEXT NOT NULL,
        line     INTEGER NOT NULL,
        qty      INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line)
      );
      INSERT INTO returned_lines (sale_id, line, qty) SELECT sale_id, line, qty FROM returned_units;
      DROP TABLE returned_units;
    `,
  },
  {
    version: 7,
    name: "shopping-card-tender",
    sql: `
      -- A shopping card (购物卡) paid or was refunded: the effect's card move as JSON {cardId, deltaFen}, shown on
      -- the member's card until the hub's snapshot has it; what this kiosk took from cards offline per member per day.
      ALTER TABLE member_pending ADD COLUMN shopping_card TEXT;
      ALTER TABLE offline_usage ADD COLUMN shopping_card_fen INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 8,
    name: "outbox-is-the-ledger-tail",
    sql: `
      -- What waits for the hub is the ledger past sync_state.acked_seq: every ledger row got an outbox row in its own
      -- transaction and an ack deleted them up to the mark it set, so the table held exactly that (one b-tree page
      -- fewer to write per sale). A kiosk binary from before this migration would find no outbox here.
      DROP TABLE outbox;
    `,
  },
];

/** Every kiosk migration: the core above, 10 the store catalog (device/catalog-store.ts). */
export const KIOSK_MIGRATIONS: readonly Migration[] = [...CORE_MIGRATIONS, ...KIOSK_CATALOG_MIGRATIONS];
