// Member import benchmark: a generated CSV (or XLSX) with bad rows mixed in, uploaded to POST /bo/members/import on a hub
// database with production durability (SQLite: WAL, synchronous=FULL; or PostgreSQL, a fresh schema dropped afterwards);
// prints rows per second, next to the row-by-row path (one transaction and one kiosk push per member, as POST /members/import
// does) measured in the same run.
//
//   npx tsx bench/member-import.bench.ts [--rows 100000] [--bad-every 100] [--format csv|xlsx] [--baseline-rows 5000] [--json]
//     [--store sqlite|postgres] [--postgres-url postgresql://postgres@127.0.0.1:5432/test]
import { parseArgs } from "node:util";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { openPostgres } from "../storage/postgres.js";
import { migratePostgres } from "../hub/store.js";
import type { Database } from "../storage/database.js";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { HUB_MIGRATIONS } from "../hub/schema.js";
import { MemberRegistry } from "../hub/members.js";
import { ConfigService } from "../hub/config-service.js";
import { Backoffice } from "../hub/backoffice/index.js";
import { importMembers, memberFromCells, readMemberRows } from "../hub/member-import.js";
import { FULL_RULES, writeMemberCsv } from "../hub/backoffice/test-kit.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    "bad-every": { type: "string", default: "100" },
    format: { type: "string", default: "csv" },
    "baseline-rows": { type: "string", default: "5000" },
    json: { type: "boolean", default: false },
    store: { type: "string", default: "sqlite" },
    "postgres-url": { type: "string", default: process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test" },
  },
});
const ROWS = Number(values.rows);
const BAD_EVERY = Number(values["bad-every"]);
const FORMAT = values.format === "xlsx" ? "xlsx" : "csv";
const BASELINE_ROWS = Number(values["baseline-rows"]);
const STORE = values.store === "postgres" ? "postgres" : "sqlite";
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

async function hub(dir: string): Promise<{ db: Database; members: MemberRegistry; bo: Backoffice; token: string; pushes: () => number }> {
  const db = await openStore(dir);
  const log = createLogger("bench", { destination: new MemoryLogSink(), level: "silent" });
  const members = new MemberRegistry(db, systemClock);
  let pushes = 0;
  members.onChange = () => void pushes++;
  const configs = new ConfigService(db, systemClock, "bench", { keyId: "hq", keys: generateKeyPair() });
  configs.publish("s1", { rules: FULL_RULES, device: {} });
  const token = randomBytes(24).toString("base64url");
  const bo = new Backoffice({ db, clock: systemClock, log, members, configs, adminTokenHash: createHash("sha256").update(token).digest("hex"), tmpDir: dir });
  return { db, members, bo, token, pushes: () => pushes };
}

/** SQLite in `dir`, or a fresh PostgreSQL schema that close() drops. */
async function openStore(dir: string): Promise<Database> {
  if (STORE === "sqlite") {
    const db = await openDatabase(join(dir, "hub.db"));
    migrate(db, HUB_MIGRATIONS);
    return db;
  }
  const schema = `bench_import_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const db = await openPostgres({ url: values["postgres-url"]!, schema });
  migratePostgres(db);
  const close = db.close.bind(db);
  db.close = () => {
    db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    close();
  };
  return db;
}

async function toXlsx(csvPath: string, xlsxPath: string): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsxPath });
  const sheet = wb.addWorksheet("members");
  let first = true;
  for await (const row of readMemberRows(csvPath, { format: "csv" })) {
    if (first) sheet.addRow(Object.keys(row.cells)).commit();
    first = false;
    sheet.addRow(Object.values(row.cells)).commit();
  }
  sheet.commit();
  await wb.commit();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "import-bench-"));
  try {
    const csv = join(dir, "members.csv");
    const fx = writeMemberCsv(csv, ROWS, BAD_EVERY);
    let file = csv;
    if (FORMAT === "xlsx") {
      file = join(dir, "members.xlsx");
      await toXlsx(csv, file);
    }
    say(`file: ${ROWS} rows (${fx.bad} bad), ${FORMAT}, ${(statSync(file).size / 1e6).toFixed(1)} MB, store ${STORE}`);

    // The back-office import: streamed upload, batches of 500 rows with one statement per table (member-bulk.ts), one push per batch.
    const h = await hub(mkdtempSync(join(dir, "a-")));
    const app = h.bo.app;
    const started = performance.now();
    const res = await app.request(`/members/import?format=${FORMAT}`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.token}`, "content-type": "application/octet-stream" },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
    const seconds = (performance.now() - started) / 1000;
    const summary = (await res.json()) as { rows: number; imported: number; rejected: number };
    if (res.status !== 200 || summary.rows !== ROWS || summary.rejected !== fx.bad)
      throw new Error(`unexpected import result ${res.status}: ${JSON.stringify(summary).slice(0, 300)}`);
    const rate = Math.round(ROWS / seconds);
    say(
      `back-office import: ${summary.imported} imported, ${summary.rejected} rejected in ${seconds.toFixed(2)} s = ${rate} rows/s, ${h.pushes()} kiosk pushes`,
    );
    h.db.close();

    // Baseline: the same rows one by one (a transaction, a commit and a push each).
    const b = await hub(mkdtempSync(join(dir, "b-")));
    const base = join(dir, "baseline.csv");
    writeMemberCsv(base, BASELINE_ROWS, BAD_EVERY);
    const t0 = performance.now();
    let n = 0;
    for await (const src of readMemberRows(base, { format: "csv" })) {
      const m = memberFromCells(src.cells);
      if (m.ok) importMembers(b.members, [{ row: src.row, member: m.member }], b.bo.deps);
      n++;
    }
    const baseSeconds = (performance.now() - t0) / 1000;
    const baseRate = Math.round(n / baseSeconds);
    say(`row-by-row baseline: ${n} rows in ${baseSeconds.toFixed(2)} s = ${baseRate} rows/s, ${b.pushes()} kiosk pushes`);
    say(`ratio: ${(rate / baseRate).toFixed(1)}x`);
    b.db.close();
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ store: STORE, rows: ROWS, bad: fx.bad, format: FORMAT, seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: rate, baselineRows: n, baselineRowsPerSecond: baseRate, ratio: Math.round((rate / baseRate) * 10) / 10 })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
