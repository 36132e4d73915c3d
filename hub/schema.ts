// The hub's SQLite schema, as numbered migrations.
import type { Migration } from "../storage/sqlite.js";

export const HUB_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "core",
    sql: `
      CREATE TABLE devices (
        device_id     TEXT PRIMARY KEY,
        chain_id      TEXT NOT NULL,
        store_id      TEXT NOT NULL,
        secret_hash   TEXT NOT NULL,
        acked_seq     INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL,
        last_status   TEXT,
        last_seen_at  INTEGER
      );
      CREATE TABLE members (
        member_id       TEXT PRIMARY KEY,
        card_id         TEXT NOT NULL UNIQUE,
        name            TEXT NOT NULL,
        level_id        TEXT NOT NULL,
        card_class      TEXT NOT NULL,
        card_public_key TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
        points_balance  INTEGER NOT NULL DEFAULT 0,
        balance_fen     INTEGER NOT NULL DEFAULT 0,
        vip_expires_at  INTEGER,
        headshot_hash   TEXT,
        birthday        TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      -- The member changelog the kiosks follow with a cursor (seq).
      CREATE TABLE member_changes (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id  TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('upsert', 'delete')),
        at         INTEGER NOT NULL
      );
      CREATE INDEX member_changes_member ON member_changes (member_id, seq);
      CREATE TABLE configs (
        store_id    TEXT NOT NULL,
        version     INTEGER NOT NULL,
        envelope    TEXT NOT NULL,
        content     TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (store_id, version)
      );
      -- Every ledger entry ever received, applied exactly once: the primary key is the guard.
      CREATE TABLE ledger (
        device_id       TEXT NOT NULL,
        seq             INTEGER NOT NULL,
        entry_id        TEXT NOT NULL,
        type            TEXT NOT NULL,
        at              INTEGER NOT NULL,
        config_version  INTEGER NOT NULL,
        body            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
        reason          TEXT,
        applied_at      INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
      );
      CREATE TABLE sales (
        sale_id         TEXT PRIMARY KEY,
        device_id       TEXT NOT NULL,
        seq             INTEGER NOT NULL,
        member_id       TEXT NOT NULL,
        at              INTEGER NOT NULL,
        subtotal_fen    INTEGER NOT NULL,
        total_fen       INTEGER NOT NULL,
        savings_fen     INTEGER NOT NULL,
        points_earned   INTEGER NOT NULL,
        offline_approved INTEGER NOT NULL
      );
      CREATE TABLE points_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id  TEXT NOT NULL,
        delta      INTEGER NOT NULL,
        reason     TEXT NOT NULL,
        ref        TEXT NOT NULL,
        at         INTEGER NOT NULL,
        UNIQUE (reason, ref)
      );
      CREATE TABLE balance_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id  TEXT NOT NULL,
        delta_fen  INTEGER NOT NULL,
        reason     TEXT NOT NULL,
        ref        TEXT NOT NULL,
        at         INTEGER NOT NULL,
        UNIQUE (reason, ref)
      );
      -- Where the hub's recomputation differs from the kiosk's hints.
      CREATE TABLE disagreements (
        device_id    TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        field        TEXT NOT NULL,
        kiosk_value  INTEGER NOT NULL,
        hub_value    INTEGER NOT NULL,
        at           INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq, field)
      );
    `,
  },
];
