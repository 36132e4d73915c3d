// The member app's tables (activation tokens, one-time codes, request-proof nonces, e-receipt tokens): one migration, portable SQL for SQLite and PostgreSQL.
import type { Migration } from "../../storage/sqlite.js";

const SQL = `
  -- One-time activation tokens (counter QR/link or phone one-time code), stored as sha256 hex.
  CREATE TABLE app_activations (
    token_hash  TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    actor       TEXT NOT NULL
  );
  CREATE INDEX app_activations_member ON app_activations (member_id);
  -- Request proofs already accepted (card, time, nonce), until their window has passed; shared by every hub instance.
  CREATE TABLE app_proof_nonces (
    proof_key   TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL
  );
  CREATE INDEX app_proof_nonces_expiry ON app_proof_nonces (expires_at);
  -- One-time codes sent to phones for self-registration (sha256 hex of phone and code).
  CREATE TABLE app_otp (
    phone       TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0
  );
  -- E-receipt tokens the kiosk made and printed in the receipt's QR (sha256 hex of the token).
  CREATE TABLE receipt_tokens (
    token_hash  TEXT PRIMARY KEY,
    sale_id     TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
  );
`;

/** Numbered 40 (SQLite) so the back office's own numbers (10 and up) can grow without meeting it. */
export const MEMBER_APP_MIGRATIONS: readonly Migration[] = [{ version: 40, name: "member-app", sql: SQL }];
/** The same tables on PostgreSQL. */
export const MEMBER_APP_PG_MIGRATIONS: readonly Migration[] = [{ version: 40, name: "member-app", sql: SQL }];
