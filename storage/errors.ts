// Storage's typed error (StorageError: a code and the engine's own error as cause) and the mapping from SQLite and PostgreSQL codes to it.
//
// Callers branch on `code`, never on the engine's message. Only conditions a caller can act on are
// mapped (full, read-only, busy, I/O, corrupt); anything else (a constraint, a syntax error) is left
// as the engine threw it, so existing handling of those is unchanged.

export type StorageErrorCode =
  | "STORAGE_ENGINE_UNAVAILABLE"
  | "STORAGE_MIGRATION_FAILED"
  | "STORAGE_NESTED_TRANSACTION"
  /** A call on a Database after its close(). */
  | "STORAGE_CLOSED"
  /** No space left: the disk, or the database's page limit (SQLITE_FULL, PostgreSQL 53100). */
  | "STORAGE_FULL"
  /** The database or its file system does not accept writes (SQLITE_READONLY*, PostgreSQL 25006). */
  | "STORAGE_READONLY"
  /** Another writer held the lock past the busy timeout (SQLITE_BUSY*, SQLITE_LOCKED*, PostgreSQL 55P03). */
  | "STORAGE_BUSY"
  /** The operating system reported an I/O error (SQLITE_IOERR*, SQLITE_CANTOPEN, PostgreSQL 58030). */
  | "STORAGE_IO"
  /** The database file is damaged (SQLITE_CORRUPT*, SQLITE_NOTADB). */
  | "STORAGE_CORRUPT";

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; engineCode?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "StorageError";
    if (options?.engineCode !== undefined) this.engineCode = options.engineCode;
  }

  /** The engine's own code when the error came from the engine ("SQLITE_FULL", "53100"). */
  readonly engineCode?: string;
}

/** Codes meaning "the kiosk (or hub) cannot record anything right now": writes must be refused until it clears. */
export const UNWRITABLE_CODES: ReadonlySet<StorageErrorCode> = new Set(["STORAGE_FULL", "STORAGE_READONLY", "STORAGE_BUSY", "STORAGE_IO", "STORAGE_CORRUPT"]);

/** True for a StorageError whose code says writes cannot be made now (full, read-only, busy, I/O, corrupt). */
export function isUnwritable(err: unknown): err is StorageError {
  return err instanceof StorageError && UNWRITABLE_CODES.has(err.code);
}

const SQLITE_PREFIXES: ReadonlyArray<[string, StorageErrorCode, string]> = [
  ["SQLITE_FULL", "STORAGE_FULL", "the database is full (no space left on the disk, or its page limit reached)"],
  ["SQLITE_READONLY", "STORAGE_READONLY", "the database does not accept writes"],
  ["SQLITE_BUSY", "STORAGE_BUSY", "the database is locked by another writer"],
  ["SQLITE_LOCKED", "STORAGE_BUSY", "the database is locked by another writer"],
  ["SQLITE_IOERR", "STORAGE_IO", "the database file could not be read or written"],
  ["SQLITE_CANTOPEN", "STORAGE_IO", "the database file could not be opened"],
  ["SQLITE_CORRUPT", "STORAGE_CORRUPT", "the database file is damaged"],
  ["SQLITE_NOTADB", "STORAGE_CORRUPT", "the database file is damaged"],
];

/** An SQLite engine error (better-sqlite3's SqliteError, bun:sqlite's SQLiteError) as a StorageError, or the error itself when it is none of the mapped kinds. */
export function fromSqliteError(err: unknown): unknown {
  if (err instanceof StorageError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string") return err;
  for (const [prefix, mapped, words] of SQLITE_PREFIXES) {
    if (code === prefix || code.startsWith(`${prefix}_`)) {
      return new StorageError(mapped, `${words} (${code}: ${err.message})`, { cause: err, engineCode: code });
    }
  }
  return err;
}

const POSTGRES_STATES: Readonly<Record<string, [StorageErrorCode, string]>> = {
  "53100": ["STORAGE_FULL", "the PostgreSQL server has no disk space left"],
  "25006": ["STORAGE_READONLY", "the PostgreSQL server accepts no writes (read-only transaction or standby)"],
  "55P03": ["STORAGE_BUSY", "a PostgreSQL lock was not granted in time"],
  "58030": ["STORAGE_IO", "the PostgreSQL server reported an I/O error"],
};

/** The StorageError for a PostgreSQL SQLSTATE that storage maps, or undefined (the caller keeps its own error). */
export function fromPostgresState(state: string | undefined, message: string, cause: unknown): StorageError | undefined {
  const hit = state === undefined ? undefined : POSTGRES_STATES[state];
  if (!hit) return undefined;
  return new StorageError(hit[0], `${hit[1]} (SQLSTATE ${state}: ${message})`, { cause, engineCode: state });
}
