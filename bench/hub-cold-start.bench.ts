// The hub's cold start on a real-size catalog: the first ConfigService.get and CatalogLog read in a fresh process, against JSON.parse of the same stored bytes.
//
//   npx tsx bench/hub-cold-start.bench.ts [--items 50000] [--runs 3]
//
// A SQLite hub database gets one published config holding an N-item catalog (bench/big-catalog.ts),
// then each measurement runs in a process of its own (a hub that just started: nothing cached, nothing
// compiled by the JIT yet), once per run:
//   get      ConfigService.get of that version (what ingest's first sale of a kiosk reads)
//   at       CatalogLog.at of the newest catalog version (ingest's re-pricing catalog)
//   head     CatalogLog.head (what a publish diffs against)
//   forFact  get + at together, as ingest asks (hub/ingest.ts applySale)
// The baseline, in the same child processes: reading the stored content row and JSON.parse of it
// (the least any read of the bundle can do), and the same for the catalog rows. Ratios are against the
// content JSON.parse baseline measured in the same child. Load averages are printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { HUB_MIGRATIONS } from "../hub/schema.js";
import { ConfigService } from "../hub/config-service.js";
import { bigRules } from "./big-catalog.js";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "50000" },
    runs: { type: "string", default: "3" },
    child: { type: "string" },
    dir: { type: "string" },
    keys: { type: "string" },
  },
});
const ITEMS = Number(values.items);
const RUNS = Number(values.runs);
const CHAIN = "bench-chain";
const STORE = "s01";
const MODES = ["get", "at", "head", "forFact"] as const;
type Mode = (typeof MODES)[number];

interface ChildResult {
  mode: Mode;
  ms: number;
  baselineContentMs: number;
  baselineCatalogMs: number;
  contentBytes: number;
}

async function child(mode: Mode, dir: string, keys: KeyPair): Promise<void> {
  const db = await openDatabase(join(dir, "hub.db"));
  const configs = new ConfigService(db, new ManualClock(1_800_000_000_000), CHAIN, { keyId: "hq", keys });
  const t0 = performance.now();
  if (mode === "get") configs.get(STORE, 1);
  else if (mode === "at") configs.catalogs.at(STORE, configs.catalogs.latestVersion(STORE));
  else if (mode === "head") configs.catalogs.head(STORE);
  else configs.forFact(STORE, 1, configs.catalogs.latestVersion(STORE));
  const ms = performance.now() - t0;
  // Baselines after the measurement (the SQLite page cache is then warm for them, not for it).
  const b0 = performance.now();
  const row = db.prepare("SELECT content FROM configs WHERE store_id = ? AND version = ?").get<{ content: string }>(STORE, 1)!;
  JSON.parse(row.content);
  const baselineContentMs = performance.now() - b0;
  const c0 = performance.now();
  const rows = db.prepare("SELECT body FROM catalog_items WHERE store_id = ? AND to_version IS NULL").all<{ body: string }>(STORE);
  for (const r of rows) JSON.parse(r.body);
  const baselineCatalogMs = performance.now() - c0;
  db.close();
  const out: ChildResult = { mode, ms, baselineContentMs, baselineCatalogMs, contentBytes: Buffer.byteLength(row.content) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hub-cold-"));
  try {
    const keys = generateKeyPair();
    const db = await openDatabase(join(dir, "hub.db"));
    migrate(db, HUB_MIGRATIONS);
    const configs = new ConfigService(db, new ManualClock(1_800_000_000_000), CHAIN, { keyId: "hq", keys });
    const p0 = performance.now();
    configs.publish(STORE, { rules: bigRules(ITEMS), device: {} });
    const publishMs = performance.now() - p0;
    db.close();
    console.log(
      `hub cold start, ${ITEMS.toLocaleString("en")} items; publish took ${publishMs.toFixed(0)} ms; load before ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const self = fileURLToPath(import.meta.url);
    const results = new Map<Mode, ChildResult[]>();
    for (let run = 0; run < RUNS; run++) {
      for (const mode of MODES) {
        const r = spawnSync(process.execPath, [...process.execArgv, self, "--child", mode, "--dir", dir, "--keys", JSON.stringify(keys)], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
        const line = r.stdout.trim().split("\n").pop()!;
        const list = results.get(mode) ?? [];
        list.push(JSON.parse(line) as ChildResult);
        results.set(mode, list);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const first = results.get("get")![0]!;
    console.log(`stored content ${(first.contentBytes / 1e6).toFixed(1)} MB; ${RUNS} fresh process(es) per line, median (min-max)`);
    for (const mode of MODES) {
      const list = results.get(mode)!;
      const ms = list.map((r) => r.ms);
      const base = median(list.map((r) => r.baselineContentMs));
      const cat = median(list.map((r) => r.baselineCatalogMs));
      console.log(
        `  ${mode.padEnd(8)} ${median(ms).toFixed(1).padStart(7)} ms (${Math.min(...ms).toFixed(1)}-${Math.max(...ms).toFixed(1)})` +
          `  baseline JSON.parse(content) ${base.toFixed(1)} ms, catalog rows ${cat.toFixed(1)} ms  ratio ${(median(ms) / base).toFixed(2)}x`,
      );
    }
    console.log(
      `load after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child) await child(values.child as Mode, values.dir!, JSON.parse(values.keys!) as KeyPair);
else await main();
