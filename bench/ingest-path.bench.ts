// The hub's ingest path without MQTT: ledger batches as bytes, decoded and applied on SQLite as the link does, timed per entry with the statements each entry runs.
//
//   npx tsx bench/ingest-path.bench.ts [--kiosks 10] [--per-kiosk 1000] [--items 50000] [--profile file.cpuprofile] [--decoder fast|zod] [--keep-db]
//
// --decoder zod decodes with the runtime zod parse (decodeMessage(LedgerBatchSchema, …)), the hub's decode before
// protocol/ledger-batch-decode.ts, for a before/after in alternating runs.
//
// The sales are the ingest bench's (bench/sync.bench.ts: one or two lines, 60 members in turn, the
// kiosk's hints from the same pricing), 500 to a batch, each kiosk's batches in turn. What it times is
// what the hub's process does per batch: decode (decodeLedgerBatch, as the link), apply (exactly once, re-priced,
// one transaction with synchronous=FULL), the ack and the member push encoded. The sales-index job's
// share (the follow-on work for the same sales) is timed after it, separately.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ManualClock } from "../protocol/clock.js";
import { LedgerBatchSchema, decodeMessage, encodeMessage, type LedgerEntry } from "../protocol/messages.js";
import { decodeLedgerBatch } from "../protocol/ledger-batch-decode.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { generateKeyPair } from "../protocol/signing.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database, Statement } from "../storage/database.js";
import { HUB_MIGRATIONS } from "../hub/schema.js";
import { DeviceRegistry } from "../hub/devices.js";
import { MemberRegistry } from "../hub/members.js";
import { ConfigService } from "../hub/config-service.js";
import { Ingest } from "../hub/ingest.js";
import { bigCatalog } from "./big-catalog.js";
import { ownCpuMs, WindowProfiler } from "./process-meter.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "10" },
    "per-kiosk": { type: "string", default: "1000" },
    items: { type: "string", default: "50000" },
    profile: { type: "string" },
    decoder: { type: "string", default: "fast" },
    /** Keeps the hub's SQLite file after the run (to see what ingest wrote, table by table). */
    "keep-db": { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const ITEMS = Number(values.items);
const BATCH = 500;
if (values.decoder !== "fast" && values.decoder !== "zod") throw new Error("--decoder fast|zod");
const decode = values.decoder === "zod" ? (b: Buffer) => decodeMessage(LedgerBatchSchema, b) : decodeLedgerBatch;
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);

/** Counts the statements run through `db` (by SQL text), for statements per entry. */
function counting(db: Database): { db: Database; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const wrap = (sql: string, s: Statement): Statement => {
    const bump = (): void => void counts.set(sql, (counts.get(sql) ?? 0) + 1);
    return {
      run: (...p) => {
        bump();
        return s.run(...p);
      },
      get: (...p) => {
        bump();
        return s.get(...p);
      },
      all: (...p) => {
        bump();
        return s.all(...p);
      },
    } as Statement;
  };
  const cache = new Map<string, Statement>();
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare")
        return (sql: string) => {
          let s = cache.get(sql);
          if (!s) cache.set(sql, (s = wrap(sql, target.prepare(sql))));
          return s;
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: proxy, counts };
}

const dir = mkdtempSync(join(tmpdir(), "ingest-path-"));
try {
  const raw = await openDatabase(join(dir, "hub.db"));
  migrate(raw, HUB_MIGRATIONS);
  const { db, counts } = counting(raw);
  const clock = new ManualClock(T0 + 60_000);
  const log = createLogger("bench", { destination: new MemoryLogSink(), level: "warn" });
  const devices = new DeviceRegistry(db, clock);
  const members = new MemberRegistry(db, clock);
  const configs = new ConfigService(db, clock, "demo", { keyId: "hq", keys: generateKeyPair() });
  const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown> & {
    catalog: unknown[];
  };
  if (ITEMS > rules.catalog.length) rules.catalog = [...rules.catalog, ...bigCatalog(ITEMS - rules.catalog.length + 10).slice(10)];
  const config = configs.publish("s01", { rules, device: {} });
  const who = Array.from({ length: 60 }, (_, i) =>
    members.create({
      memberId: `m${i}`,
      cardId: `Cm${i}`,
      name: `member ${i}`,
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: generateKeyPair().publicKey,
    }),
  );
  const kiosks = Array.from({ length: KIOSKS }, (_, i) => ({ chainId: "demo", storeId: "s01", deviceId: `k${i}` }));
  for (const k of kiosks) devices.provision(k);
  const ingest = new Ingest(db, clock, members, configs, log);
  const demoSkus = (rules.catalog as Array<{ sku: string; barcode?: string }>).slice(0, 10);
  const skuOf = (barcode: string): string => demoSkus.find((p) => p.barcode === barcode)?.sku ?? barcode;
  // Each kiosk's batches as the bytes the link receives.
  const batches: Array<{ device: (typeof kiosks)[number]; bytes: Buffer }> = [];
  for (const k of kiosks) {
    const entries: LedgerEntry[] = [];
    for (let seq = 1; seq <= PER_KIOSK; seq++) {
      const m = who[(seq - 1) % who.length]!;
      const lines = (seq % 2 ? ["6901234560022", "6901234560046"] : ["6901234560015"]).map((b) => ({ sku: skuOf(b), qty: 1 }));
      const at = T0 + seq;
      const t = priceSale(config.content, m, lines, at).totals;
      entries.push({
        seq,
        entryId: `${k.deviceId}-${seq}`,
        at,
        configVersion: config.version,
        fact: {
          type: "sale",
          saleId: `${k.deviceId}-sale-${seq}`,
          memberId: m.memberId,
          cardId: m.cardId,
          lines,
          hints: { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned },
          tenders: [{ kind: "external", amountFen: t.payableFen }],
          offlineApproved: false,
          ...(config.catalogVersion !== undefined ? { catalogVersion: config.catalogVersion } : {}),
        },
      });
    }
    for (let i = 0; i < entries.length; i += BATCH) batches.push({ device: k, bytes: encodeMessage({ entries: entries.slice(i, i + BATCH) }) });
  }
  // Batches in turn, one per kiosk, as ten kiosks with one batch in flight each arrive.
  const order = [...batches].sort((a, b) => (batches.indexOf(a) % (PER_KIOSK / BATCH)) - (batches.indexOf(b) % (PER_KIOSK / BATCH)));
  // Warm: the config and catalog parsed once, as a running hub holds them.
  configs.forFact("s01", config.version, config.catalogVersion);
  counts.clear();
  const profiler = values.profile ? new WindowProfiler() : undefined;
  await profiler?.start();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let pushed = 0;
  for (const b of order) {
    const batch = decode(b.bytes);
    const { ack, changes } = ingest.handleBatch(b.device, batch);
    encodeMessage({ ...ack, hubTime: clock.now() });
    if (changes.length > 0) {
      const first = Math.min(...changes.map((c) => c.change.seq));
      const prevCursor = members.cursorsBefore(["s01"], first).get("s01") ?? 0;
      pushed += encodeMessage({ prevCursor, changes: changes.map((c) => c.change) }).length;
    }
  }
  const wall = performance.now() - started;
  const cpu = ownCpuMs(cpu0);
  if (profiler && values.profile) await profiler.stop(values.profile);
  const events = KIOSKS * PER_KIOSK;
  const applied = ingest.stats.applied;
  if (applied !== events || ingest.stats.disagreements !== 0) throw new Error(`applied ${applied} of ${events}, ${ingest.stats.disagreements} disagreements`);
  const statements = [...counts.values()].reduce((s, n) => s + n, 0);
  process.stdout.write(
    `ingest path (decoder ${values.decoder}, ${(rules.catalog as unknown[]).length.toLocaleString("en-US")} items, ${KIOSKS} x ${PER_KIOSK} sales, batches of ${BATCH}): ` +
      `${(cpu / events).toFixed(3)} ms CPU per entry (${Math.round(events / (cpu / 1000))} entries per CPU second; wall ${(wall / events).toFixed(3)} ms), ` +
      `${(statements / events).toFixed(2)} statements per entry, member pushes ${Math.round(pushed / (events / BATCH))} B per batch\n`,
  );
  for (const [sql, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    process.stdout.write(`  ${(n / events).toFixed(3).padStart(7)}  ${sql.replace(/\s+/g, " ").slice(0, 130)}\n`);
  }
  raw.close();
} finally {
  if (values["keep-db"])
    process.stdout.write(
      `kept the hub's database: ${join(dir, "hub.db")} (sizes per table: sqlite3 <file> "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")\n`,
    );
  else rmSync(dir, { recursive: true, force: true });
}
