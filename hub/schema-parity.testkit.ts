// Test kit: reads a migrated hub schema back from SQLite or PostgreSQL (tables, columns, primary keys, indexes) in one engine-neutral shape.
import type { Database } from "../storage/database.js";

export interface ColumnShape {
  name: string;
  /** integer | real | text | blob | boolean (see normaliseType). */
  type: string;
  notNull: boolean;
}

export interface IndexShape {
  /** The CREATE INDEX name; undefined for indexes made by a UNIQUE constraint (their names differ per engine). */
  name: string | undefined;
  columns: string[];
  unique: boolean;
  partial: boolean;
}

export interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: IndexShape[];
}

export type SchemaShape = Record<string, TableShape>;

/** Engine types to one word, so INTEGER and BIGINT, TEXT and VARCHAR, REAL and DOUBLE PRECISION compare equal. */
export function normaliseType(raw: string): string {
  const t = raw.trim().toLowerCase();
  if (/^(int|integer|bigint|smallint|int2|int4|int8|serial|bigserial)\b/.test(t)) return "integer";
  if (/^(real|double precision|float|float4|float8|numeric|decimal)\b/.test(t)) return "real";
  if (/^(text|varchar|character varying|char|character|json|jsonb|uuid)\b/.test(t)) return "text";
  if (/^(blob|bytea)\b/.test(t)) return "blob";
  if (/^(bool|boolean)\b/.test(t)) return "boolean";
  return t === "" ? "(none)" : t;
}

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}
interface SqliteIndex {
  name: string;
  unique: number;
  origin: string;
  partial: number;
}

/** The shape of an SQLite database (sqlite_master and the table_info/index_list pragmas). */
export function sqliteShape(db: Database): SchemaShape {
  const out: SchemaShape = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    const cols = db.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`).all(name) as SqliteColumn[];
    const indexes = db.prepare(`SELECT name, "unique", origin, partial FROM pragma_index_list(?)`).all(name) as SqliteIndex[];
    out[name] = {
      // A PRIMARY KEY column is NOT NULL on PostgreSQL; SQLite only enforces it for INTEGER PRIMARY KEY, so both count it as NOT NULL.
      columns: cols.map((c) => ({ name: c.name, type: normaliseType(c.type), notNull: c.notnull === 1 || c.pk > 0 })),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      indexes: indexes
        .filter((i) => i.origin !== "pk")
        .map((i) => ({
          name: i.origin === "c" ? i.name : undefined,
          columns: (db.prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno").all(i.name) as { name: string | null }[]).map(
            (c) => c.name ?? "(expression)",
          ),
          unique: i.unique === 1,
          partial: i.partial === 1,
        }))
        .sort(compareIndexes),
    };
  }
  return out;
}

interface PgColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
}
interface PgIndex {
  table_name: string;
  index_name: string;
  is_unique: boolean;
  is_primary: boolean;
  is_partial: boolean;
  from_constraint: boolean;
  columns: string;
}

/** The shape of the current PostgreSQL schema (information_schema and pg_index). */
export function postgresShape(db: Database): SchemaShape {
  const out: SchemaShape = {};
  const cols = db
    .prepare(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    )
    .all() as PgColumn[];
  for (const c of cols) {
    const t = (out[c.table_name] ??= { columns: [], primaryKey: [], indexes: [] });
    t.columns.push({ name: c.column_name, type: normaliseType(c.data_type), notNull: c.is_nullable === "NO" });
  }
  const indexes = db
    .prepare(
      `SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique, x.indisprimary AS is_primary,
              (x.indpred IS NOT NULL) AS is_partial,
              EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) AS from_constraint,
              (SELECT string_agg(COALESCE(a.attname, '(expression)'), ',' ORDER BY k.n)
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema()`,
    )
    .all() as PgIndex[];
  for (const i of indexes) {
    const t = out[i.table_name];
    if (!t) continue;
    const columns = i.columns.split(",");
    if (i.is_primary) {
      t.primaryKey = columns;
      continue;
    }
    t.indexes.push({ name: i.from_constraint ? undefined : i.index_name, columns, unique: i.is_unique, partial: i.is_partial });
  }
  for (const t of Object.values(out)) t.indexes.sort(compareIndexes);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function indexKey(i: IndexShape): string {
  return `${i.unique ? "UNIQUE " : ""}${i.name ?? "(constraint)"} (${i.columns.join(", ")})${i.partial ? " WHERE ..." : ""}`;
}

function compareIndexes(a: IndexShape, b: IndexShape): number {
  const ka = indexKey(a);
  const kb = indexKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * SQLite's implicit rowid made explicit on PostgreSQL (hub/pg-schema.ts): a PostgreSQL `rowid` column
 * where the SQLite table has none, and a unique index on it alone (SQLite's rowid is the table's own
 * key), are the same thing as SQLite's hidden rowid and are left out of the comparison.
 */
function withoutExplicitRowid(lite: TableShape, pg: TableShape): TableShape {
  if (lite.columns.some((c) => c.name === "rowid")) return pg;
  return {
    ...pg,
    columns: pg.columns.filter((c) => c.name !== "rowid"),
    indexes: pg.indexes.filter((i) => !(i.unique && i.columns.length === 1 && i.columns[0] === "rowid")),
  };
}

/** Every difference between two shapes, one readable line each ("table x: column 3 is ... on SQLite, ... on PostgreSQL"). */
export function diffShapes(sqlite: SchemaShape, pg: SchemaShape): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(sqlite), ...Object.keys(pg)])].sort();
  for (const name of names) {
    const a = sqlite[name];
    const pgTable = pg[name];
    const b = a && pgTable ? withoutExplicitRowid(a, pgTable) : pgTable;
    if (!a || !b) {
      out.push(`table ${name}: only on ${a ? "SQLite" : "PostgreSQL"}`);
      continue;
    }
    const n = Math.max(a.columns.length, b.columns.length);
    for (let k = 0; k < n; k++) {
      const ca = a.columns[k];
      const cb = b.columns[k];
      const show = (c: ColumnShape | undefined): string => (c ? `${c.name} ${c.type}${c.notNull ? " NOT NULL" : ""}` : "(none)");
      if (show(ca) !== show(cb)) out.push(`table ${name}: column ${k + 1} is \`${show(ca)}\` on SQLite, \`${show(cb)}\` on PostgreSQL`);
    }
    if (a.primaryKey.join(",") !== b.primaryKey.join(","))
      out.push(`table ${name}: primary key (${a.primaryKey.join(", ")}) on SQLite, (${b.primaryKey.join(", ")}) on PostgreSQL`);
    const ia = a.indexes.map(indexKey);
    const ib = b.indexes.map(indexKey);
    for (const i of ia) if (!ib.includes(i)) out.push(`table ${name}: index ${i} only on SQLite`);
    for (const i of ib) if (!ia.includes(i)) out.push(`table ${name}: index ${i} only on PostgreSQL`);
  }
  return out;
}
