// The few places where the hub's SQL has to differ between SQLite and PostgreSQL, side by side.
//
// Everything else in hub/ is written once, in SQL both engines run with the same results (portable
// CASE instead of two-argument MAX/MIN, RETURNING instead of lastInsertRowid, ON CONFLICT instead of
// INSERT OR IGNORE, lower-case aliases, explicit CASTs on untyped parameters). What cannot be written
// once is here: SQLite's JSON table functions and date() versus PostgreSQL's jsonb functions and
// to_char(), and the catalog a table's existence is looked up in. JSON columns are TEXT on both.
import type { Database } from "../storage/database.js";

export const isPostgres = (db: Database): boolean => db.engine === "postgres";

/**
 * The UTC calendar date, as `YYYY-MM-DD` text, of an SQL expression giving whole seconds since the
 * epoch (store-local dates: add the store's UTC offset in seconds to the expression).
 */
export function epochSecondsToDateSql(db: Database, seconds: string): string {
  return isPostgres(db) ? `to_char(to_timestamp(${seconds}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : `date(${seconds}, 'unixepoch')`;
}

/**
 * A FROM item over the elements of a JSON array held in a TEXT column, named `alias`:
 * `value` is an element as text (arrays of strings), `field(name)` a top-level field of an
 * element as text (arrays of objects). A NULL column gives no rows on both engines.
 */
export function jsonArraySql(db: Database, column: string, alias: string): { from: string; value: string; field(name: string): string } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`jsonArraySql: bad alias ${alias}`);
  const checkField = (name: string): string => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`jsonArraySql: bad field ${name}`);
    return name;
  };
  if (isPostgres(db)) {
    return {
      from: `jsonb_array_elements(CAST(${column} AS jsonb)) AS ${alias}(value)`,
      value: `(${alias}.value #>> '{}')`,
      field: (name) => `(${alias}.value ->> '${checkField(name)}')`,
    };
  }
  return {
    from: `json_each(${column}) AS ${alias}`,
    value: `${alias}.value`,
    field: (name) => `json_extract(${alias}.value, '$.${checkField(name)}')`,
  };
}

/**
 * A FROM item over a JSON array of flat objects given as one `?` parameter, named `alias`, with typed
 * columns (`text` or `bigint`; a missing key or JSON null is NULL): `column(name)` is the expression
 * of a column. PostgreSQL reads it with json_to_recordset (one pass, typed), SQLite with json_each.
 */
export function jsonRecordsSql(
  db: Database,
  alias: string,
  columns: ReadonlyArray<readonly [name: string, type: "text" | "bigint"]>,
): { from: string; column(name: string): string } {
  const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (!ident.test(alias)) throw new Error(`jsonRecordsSql: bad alias ${alias}`);
  for (const [name] of columns) if (!ident.test(name)) throw new Error(`jsonRecordsSql: bad column ${name}`);
  const types = new Map(columns);
  const known = (name: string): string => {
    if (!types.has(name)) throw new Error(`jsonRecordsSql: no column ${name}`);
    return name;
  };
  if (isPostgres(db)) {
    return {
      from: `json_to_recordset(CAST(? AS json)) AS ${alias}(${columns.map(([n, t]) => `${n} ${t}`).join(", ")})`,
      column: (name) => `${alias}.${known(name)}`,
    };
  }
  return {
    from: `json_each(?) AS ${alias}`,
    column: (name) =>
      types.get(known(name)) === "bigint" ? `CAST(json_extract(${alias}.value, '$.${name}') AS INTEGER)` : `json_extract(${alias}.value, '$.${name}')`,
  };
}

/** A query with one `?` (a table name) that returns a row when the table exists (on PostgreSQL: in the connection's schema). */
export function tableExistsSql(db: Database): string {
  return isPostgres(db)
    ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name = CAST(? AS TEXT)"
    : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
}

/**
 * Appends one member changelog row and returns its seq, such that seq order is commit order: kiosks
 * follow the changelog by cursor, and a row that became visible after a higher one would be skipped.
 * SQLite has one writer at a time, so its order is the commit order already. On PostgreSQL the
 * insert takes a transaction-level advisory lock first (held until commit): callers append at the
 * very end of their transaction (Database.beforeCommit), so the lock is held only for that moment.
 */
export function changelogAppendSql(db: Database): string {
  return isPostgres(db)
    ? `WITH ordered AS (SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('member_changes')))
       INSERT INTO member_changes (member_id, kind, at, store_id)
       SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT) FROM ordered RETURNING seq`
    : "INSERT INTO member_changes (member_id, kind, at, store_id) VALUES (?, ?, ?, ?) RETURNING seq";
}

/**
 * changelogAppendSql for many rows in one statement (the batched member import, member-bulk.ts): one
 * parameter, a JSON array of {i, member_id, kind, at, store_id} appended in `i` order under the same
 * lock; returns seq, member_id and store_id of every row.
 */
export function changelogAppendManySql(db: Database): string {
  const j = jsonRecordsSql(db, "j", [
    ["i", "bigint"],
    ["member_id", "text"],
    ["kind", "text"],
    ["at", "bigint"],
    ["store_id", "text"],
  ]);
  const select = `SELECT ${j.column("member_id")}, ${j.column("kind")}, ${j.column("at")}, ${j.column("store_id")}`;
  const order = `ORDER BY ${j.column("i")} RETURNING seq, member_id, store_id`;
  return isPostgres(db)
    ? `WITH ordered AS (SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('member_changes')))
       INSERT INTO member_changes (member_id, kind, at, store_id) ${select} FROM ordered, ${j.from} ${order}`
    : `INSERT INTO member_changes (member_id, kind, at, store_id) ${select} FROM ${j.from} WHERE true ${order}`;
}

/**
 * Row locks for a transaction that runs READ COMMITTED on PostgreSQL (Database.transaction's
 * `isolation`): `SELECT ... FOR UPDATE` there; nothing on SQLite, whose transactions hold the whole
 * database already. The member locks are taken in id order, so two batches never wait on each other
 * in a cycle.
 */
export const rowLocks = {
  /** The device's high-water mark, read under a lock held until commit. */
  deviceMarkSql: (db: Database): string => `SELECT acked_seq FROM devices WHERE device_id = ?${isPostgres(db) ? " FOR UPDATE" : ""}`,
  /** Locks the members' rows (no-op on SQLite). */
  lockMembers(db: Database, memberIds: Iterable<string>): void {
    if (!isPostgres(db)) return;
    const ids = [...new Set(memberIds)];
    if (ids.length === 0) return;
    const list = jsonArraySql(db, "?", "ids");
    db.prepare(`SELECT member_id FROM members WHERE member_id IN (SELECT ${list.value} FROM ${list.from}) ORDER BY member_id FOR UPDATE`).all(
      JSON.stringify(ids),
    );
  },
};
