// The storage guard on a real SQLite file that cannot grow: it turns unwritable on a full-disk error, probes on its timer (fake time), and recovers by itself.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { StorageError } from "../storage/errors.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { ManualTimers } from "./session/testing/manual-timers.js";
import { StorageGuard } from "./storage-guard.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fullDatabase(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), "guard-"));
  dirs.push(dir);
  const db = await openDatabase(join(dir, "k.db"));
  db.exec("CREATE TABLE filler (pad BLOB)");
  db.exec(`PRAGMA max_page_count = ${db.prepare("PRAGMA page_count").get<{ page_count: number }>()!.page_count}`);
  try {
    for (;;) db.prepare("INSERT INTO filler VALUES (randomblob(1000))").run();
  } catch (err) {
    expect((err as StorageError).code).toBe("STORAGE_FULL");
  }
  return db;
}

function writeError(db: Database): unknown {
  try {
    db.transaction(() => db.prepare("INSERT INTO filler VALUES (randomblob(30000))").run());
  } catch (err) {
    return err;
  }
  throw new Error("expected the write to fail");
}

describe("storage guard", () => {
  it("turns unwritable on STORAGE_FULL, refuses while probes fail, and recovers on its timer once the database can grow", async () => {
    const db = await fullDatabase();
    const clock = new ManualClock(1_000_000);
    const timers = new ManualTimers(clock);
    const sink = new MemoryLogSink();
    const log = createLogger("guard-test", { destination: sink, level: "debug" });
    let changes = 0;
    const guard = new StorageGuard({ db, clock, timers, log, probeIntervalMs: 10_000, onChange: () => changes++ });
    expect(guard.check()).toBe(true);
    expect(guard.health().level).toBe("ok");

    expect(guard.failed(writeError(db), "sale")).toBe(true);
    expect(guard.state).toMatchObject({ writable: false, code: "STORAGE_FULL", where: "sale", since: 1_000_000 });
    expect(guard.health()).toMatchObject({ component: "storage", level: "degraded", errorCode: "STORAGE_FULL" });
    expect(changes).toBe(1);
    expect(sink.lines.filter((l) => l.level === 50 && l.code === "STORAGE_FULL")).toHaveLength(1);
    expect(guard.check()).toBe(false);
    expect(guard.stats.errors.STORAGE_FULL).toBe(2);
    expect(guard.stats.refusals).toBe(2);

    // The timer probes; still full: stays unwritable and re-arms.
    timers.advance(10_000);
    expect(guard.state.writable).toBe(false);
    expect(guard.stats.probes).toBe(2);
    db.exec("PRAGMA max_page_count = 1073741823");
    timers.advance(10_000);
    expect(guard.state.writable).toBe(true);
    expect(guard.stats.recoveries).toBe(1);
    expect(guard.health().level).toBe("ok");
    expect(timers.size).toBe(0);
    expect(changes).toBe(2);
    // The probe leaves nothing behind.
    expect(db.prepare("SELECT COUNT(*) AS n FROM storage_probe").get<{ n: number }>()?.n).toBe(0);
    guard.stop();
    db.close();
  });

  it("ignores errors that are not about writing (a constraint, a plain Error)", async () => {
    const db = await fullDatabase();
    const clock = new ManualClock(0);
    const guard = new StorageGuard({ db, clock, timers: new ManualTimers(clock), log: createLogger("guard-test", { destination: new MemoryLogSink() }) });
    expect(guard.failed(new Error("boom"), "x")).toBe(false);
    expect(guard.failed(new StorageError("STORAGE_NESTED_TRANSACTION", "nested"), "x")).toBe(false);
    expect(guard.state.writable).toBe(true);
    db.close();
  });
});
