// The mapping from engine codes to StorageError codes: SQLite's (with their extended forms) and PostgreSQL's SQLSTATEs; others pass through untouched.
import { describe, it, expect } from "vitest";
import { StorageError, fromPostgresState, fromSqliteError, isUnwritable } from "./errors.js";

function sqliteError(code: string, message = "engine words"): Error {
  return Object.assign(new Error(message), { code });
}

describe("storage error mapping", () => {
  it("maps SQLite's codes and their extended forms, keeping the engine error as cause", () => {
    const cases: Array<[string, string]> = [
      ["SQLITE_FULL", "STORAGE_FULL"],
      ["SQLITE_READONLY", "STORAGE_READONLY"],
      ["SQLITE_READONLY_DBMOVED", "STORAGE_READONLY"],
      ["SQLITE_BUSY", "STORAGE_BUSY"],
      ["SQLITE_BUSY_SNAPSHOT", "STORAGE_BUSY"],
      ["SQLITE_LOCKED", "STORAGE_BUSY"],
      ["SQLITE_IOERR_WRITE", "STORAGE_IO"],
      ["SQLITE_CANTOPEN", "STORAGE_IO"],
      ["SQLITE_CORRUPT", "STORAGE_CORRUPT"],
      ["SQLITE_NOTADB", "STORAGE_CORRUPT"],
    ];
    for (const [engine, code] of cases) {
      const raw = sqliteError(engine);
      const mapped = fromSqliteError(raw) as StorageError;
      expect(mapped, engine).toBeInstanceOf(StorageError);
      expect([mapped.code, mapped.engineCode, mapped.cause], engine).toEqual([code, engine, raw]);
      expect(mapped.message).toContain("engine words");
      expect(isUnwritable(mapped)).toBe(true);
    }
  });

  it("leaves everything else as it was", () => {
    for (const e of [sqliteError("SQLITE_CONSTRAINT_UNIQUE"), sqliteError("SQLITE_ERROR"), sqliteError("SQLITE_FULLISH"), new Error("plain")])
      expect(fromSqliteError(e)).toBe(e);
    const already = new StorageError("STORAGE_FULL", "x");
    expect(fromSqliteError(already)).toBe(already);
    expect(fromSqliteError("a string")).toBe("a string");
    expect(isUnwritable(new StorageError("STORAGE_MIGRATION_FAILED", "m"))).toBe(false);
  });

  it("maps PostgreSQL's disk full, read-only, lock timeout and I/O SQLSTATEs; others are not storage conditions", () => {
    const cause = new Error("pg");
    expect(fromPostgresState("53100", "could not extend file", cause)).toMatchObject({ code: "STORAGE_FULL", engineCode: "53100", cause });
    expect(fromPostgresState("25006", "read-only", cause)?.code).toBe("STORAGE_READONLY");
    expect(fromPostgresState("55P03", "lock timeout", cause)?.code).toBe("STORAGE_BUSY");
    expect(fromPostgresState("58030", "io", cause)?.code).toBe("STORAGE_IO");
    for (const s of ["23505", "40001", "40P01", undefined]) expect(fromPostgresState(s, "m", cause)).toBeUndefined();
  });
});
