// The hub's SQLite schema, as numbered migrations.
import type { Migration } from "../storage/sqlite.js";
import { BACKOFFICE_MIGRATIONS } from "./backoffice/migrations.js";
import { MEMBER_APP_MIGRATIONS } from "./app/schema.js";
import { CATALOG_MIGRATIONS } from "./catalog-schema.js";
import { CONFIG_SEAL_MIGRATIONS } from "./config-seal.js";

/** The sync core: devices, members and their changelog, configs, the ledger and its effects (1-9). */
const CORE_MIGRATIONS: readonly Migration[] = [
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
  {
    version: 2,
    name: "sync",
    sql: `
      ALTER TABLE devices ADD COLUMN desired_config_version INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN applied_config_version INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN config_error TEXT;
      -- Config layers: 'chain' (defaults for every store) and 'store:<id>' (that store's overrides).
      CREATE TABLE config_layers (
        scope       TEXT PRIMARY KEY,
        body        TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      CREATE TABLE rollouts (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id           TEXT NOT NULL,
        version            INTEGER NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('in-progress', 'completed', 'stopped')),
        plan               TEXT NOT NULL,
        reason             TEXT,
        created_at         INTEGER NOT NULL,
        finished_at        INTEGER
      );
      CREATE TABLE rollout_targets (
        rollout_id   INTEGER NOT NULL REFERENCES rollouts (id),
        device_id    TEXT NOT NULL,
        wave         INTEGER NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('waiting', 'sent', 'applied', 'ignored', 'failed')),
        error        TEXT,
        sent_at      INTEGER,
        reported_at  INTEGER,
        PRIMARY KEY (rollout_id, device_id)
      );
      -- A member's stores (JSON array; empty = every store of the chain). Changes are scoped per store.
      ALTER TABLE members ADD COLUMN stores TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE member_changes ADD COLUMN store_id TEXT;
      CREATE INDEX member_changes_store ON member_changes (store_id, seq);
      -- Headshots, content-addressed (sha256 hex).
      CREATE TABLE photos (
        hash        TEXT PRIMARY KEY,
        mime        TEXT NOT NULL,
        bytes       BLOB NOT NULL,
        created_at  INTEGER NOT NULL
      );
      -- Online authorisations: amounts held until the sale arrives in the ledger (or the hold expires).
      CREATE TABLE holds (
        id           TEXT PRIMARY KEY,
        member_id    TEXT NOT NULL,
        device_id    TEXT NOT NULL,
        balance_fen  INTEGER NOT NULL,
        points       INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        consumed_at  INTEGER
      );
      CREATE INDEX holds_member ON holds (member_id, consumed_at, expires_at);
      -- Sales that took a balance or points below zero (offline approvals, or holds that expired).
      CREATE TABLE overdrafts (
        device_id      TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        member_id      TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('balance', 'points')),
        amount         INTEGER NOT NULL,
        balance_after  INTEGER NOT NULL,
        offline        INTEGER NOT NULL,
        at             INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq, kind)
      );
    `,
  },
  {
    version: 3,
    name: "member-card-fields",
    sql: `
      ALTER TABLE members ADD COLUMN bonus_balance_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE members ADD COLUMN base_card_class TEXT;
      ALTER TABLE members ADD COLUMN primary_member_id TEXT;
      ALTER TABLE members ADD COLUMN coupons TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 4,
    name: "returns-gate-verification-claims",
    sql: `
      -- What a sale used besides money, and the hub's own evaluation of it (priced cart, tender plan) for exact returns.
      ALTER TABLE sales ADD COLUMN coupons TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE sales ADD COLUMN points_redeemed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sales ADD COLUMN balance_fen INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE sale_details (
        sale_id  TEXT PRIMARY KEY REFERENCES sales (sale_id),
        priced   TEXT NOT NULL,
        tenders  TEXT NOT NULL
      );
      -- Returns as the hub computed them (it credits its own figures; disagreements are recorded as for sales).
      CREATE TABLE returns (
        return_id          TEXT PRIMARY KEY,
        sale_id            TEXT NOT NULL REFERENCES sales (sale_id),
        device_id          TEXT NOT NULL,
        seq                INTEGER NOT NULL,
        member_id          TEXT NOT NULL,
        staff_id           TEXT NOT NULL,
        at                 INTEGER NOT NULL,
        refund_fen         INTEGER NOT NULL,
        principal_fen      INTEGER NOT NULL,
        bonus_fen          INTEGER NOT NULL,
        external_fen       INTEGER NOT NULL,
        points_given_back  INTEGER NOT NULL,
        points_taken_back  INTEGER NOT NULL,
        lines              TEXT NOT NULL
      );
      CREATE INDEX returns_sale ON returns (sale_id);
      CREATE TABLE returned_units (
        sale_id  TEXT NOT NULL,
        line     INTEGER NOT NULL,
        qty      INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line)
      );
      -- Entrance gate decisions (paid-member stores).
      CREATE TABLE gate_entries (
        device_id          TEXT NOT NULL,
        seq                INTEGER NOT NULL,
        member_id          TEXT NOT NULL,
        card_id            TEXT NOT NULL,
        admitted           INTEGER NOT NULL,
        reason             TEXT,
        primary_member_id  TEXT,
        at                 INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
      );
      CREATE INDEX gate_entries_member ON gate_entries (member_id, at);
      -- Staff photo verifications, with the staff member who decided.
      CREATE TABLE verifications (
        device_id      TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        request_id     TEXT NOT NULL,
        member_id      TEXT NOT NULL,
        staff_id       TEXT NOT NULL,
        decision       TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        reasons        TEXT NOT NULL,
        headshot_hash  TEXT,
        note           TEXT,
        at             INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
      );
      CREATE INDEX verifications_member ON verifications (member_id, at);
      -- Pay-at-the-counter tickets: open until a staffed till takes the money (or they expire).
      CREATE TABLE claims (
        claim_id    TEXT PRIMARY KEY,
        device_id   TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        member_id   TEXT NOT NULL,
        total_fen   INTEGER NOT NULL,
        body        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'expired'))
      );
    `,
  },
  {
    version: 5,
    name: "job-history",
    sql: `
      -- Every run of a daily job (which instance, when), so a run twice would show.
      CREATE TABLE job_history (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        job          TEXT NOT NULL,
        day          TEXT,
        instance     TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER
      );
      CREATE INDEX job_history_job_day ON job_history (job, day);
    `,
  },
  {
    version: 6,
    name: "provisioning-and-meta",
    sql: `
      -- Were created by their modules at start; as migrations they are made once, under the
      -- migration lock, also when several hub instances start together on PostgreSQL.
      -- IF NOT EXISTS: hubs that ran before this migration have them already.
      CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS provision_tokens (
        token_hash  TEXT PRIMARY KEY,
        chain_id    TEXT NOT NULL,
        store_id    TEXT NOT NULL,
        device_id   TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        expires_at  BIGINT NOT NULL,
        used_at     BIGINT
      );
      CREATE TABLE IF NOT EXISTS broker_credentials (
        device_id       TEXT PRIMARY KEY,
        mosquitto_hash  TEXT NOT NULL,
        updated_at      BIGINT NOT NULL
      );
    `,
  },
  // 10 and up: the HQ back office, in hub/backoffice/migrations.ts.
];

/** Every hub migration, in version order (the back office owns 10 and up). */
export const HUB_MIGRATIONS: readonly Migration[] = [
  ...CORE_MIGRATIONS,
  ...BACKOFFICE_MIGRATIONS,
  ...MEMBER_APP_MIGRATIONS,
  ...CATALOG_MIGRATIONS,
  ...CONFIG_SEAL_MIGRATIONS,
];
