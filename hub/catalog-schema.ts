// The hub's store catalog changelog tables (migration 50 on both engines): per-sku rows valid from one catalog version to another, and each version's hash.
import type { Migration } from "../storage/sqlite.js";

const SQL = `
  -- A product row is the catalog of its store from from_version (inclusive) to to_version (exclusive; NULL: still).
  CREATE TABLE catalog_items (
    store_id      TEXT NOT NULL,
    sku           TEXT NOT NULL,
    from_version  BIGINT NOT NULL,
    to_version    BIGINT,
    body          TEXT NOT NULL,
    hash          TEXT NOT NULL,
    PRIMARY KEY (store_id, sku, from_version)
  );
  CREATE INDEX catalog_items_from ON catalog_items (store_id, from_version);
  CREATE INDEX catalog_items_to ON catalog_items (store_id, to_version);
  CREATE TABLE catalog_versions (
    store_id      TEXT NOT NULL,
    version       BIGINT NOT NULL,
    catalog_hash  TEXT NOT NULL,
    items         BIGINT NOT NULL,
    put           BIGINT NOT NULL,
    removed       BIGINT NOT NULL,
    source        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (store_id, version)
  );
  -- The store catalog version a bundle's catalog was recorded as (the kiosk's slim bundle names it).
  ALTER TABLE configs ADD COLUMN catalog_version BIGINT;
`;

export const CATALOG_MIGRATIONS: readonly Migration[] = [{ version: 50, name: "catalog-changelog", sql: SQL }];
export const CATALOG_PG_MIGRATIONS: readonly Migration[] = [{ version: 50, name: "catalog-changelog", sql: SQL }];
