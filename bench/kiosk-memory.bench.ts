// Benchmark: idle RSS of a real kiosk process holding 100,000 cached members (headshots referenced) and a signed 50,000-item catalog, next to the same kiosk with an empty cache and the 10-item example, each in a fresh process.
// The kiosk is compiled first (tsc, as deployed) and runs without the tsx loader.
// Run: npx tsx bench/kiosk-memory.bench.ts [--members 100000] [--items 50000] [--settle 15] [--shape store|bundle|both] [--json]
// --shape: where the kiosk holds its catalog. store (default): a kiosk following catalog deltas, its
// bundle without the catalog (catalogVersion 1) and the items in its catalog store (device/catalog-store.ts);
// bundle: an older kiosk, the catalog inside the signed bundle; both: a kiosk just provisioned, whose first
// bundle came whole (the retained copy) and which then took the catalog snapshot.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KIOSK_MIGRATIONS } from "../device/schema.js";
import { KioskStore } from "../device/store.js";
import { KioskCatalogStore } from "../device/catalog-store.js";
import { catalogState } from "../protocol/catalog-delta.js";
import { parseRulesConfig } from "../protocol/rules/config.js";
import type { MemberChange, MemberRecord } from "../protocol/messages.js";
import { generateKeyPair, signEnvelope } from "../protocol/signing.js";
import { migrate, openDatabase } from "../storage/sqlite.js";
import { bigRules } from "./big-catalog.js";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "100000" },
    items: { type: "string", default: "50000" },
    settle: { type: "string", default: "15" },
    shape: { type: "string", default: "store" },
    json: { type: "boolean", default: false },
  },
});

/**
 * The measured kiosk, as it runs in production: compiled JavaScript (no tsx loader in the process),
 * booted on the seeded data dir, idle for `settle` seconds, then its memory reported.
 */
const CHILD = `
import { join } from "node:path";
const [out, dir, settle, hqKey] = process.argv.slice(2);
const { buildKiosk } = await import(join(out, "device/compose.js"));
const { createHardware } = await import(join(out, "device/hardware.js"));
const { parseKioskConfig } = await import(join(out, "device/config.js"));
const { createLogger } = await import(join(out, "runtime/log.js"));
const { systemClock } = await import(join(out, "protocol/clock.js"));
const log = createLogger("bench", { level: "silent" });
const config = parseKioskConfig({
  chainId: "bench", storeId: "s01", deviceId: "k1", dataDir: join(dir, "kiosk"),
  // No broker: an idle kiosk that keeps retrying its connection in the background.
  hub: { url: "mqtt://127.0.0.1:9", username: "k1", passwordFile: join(dir, "secret"), trustedKeys: { hq: hqKey } },
  scan: { source: { driver: "simulated" }, decoder: "worker" }, printer: { transport: "simulated" }, gpio: { driver: "simulated" }, logLevel: "silent",
});
const hardware = await createHardware(config, { clock: systemClock, log });
const kiosk = await buildKiosk(config, { hardware, clock: systemClock, log });
await kiosk.start();
const cached = kiosk.store.memberCount();
const items = kiosk.sync.current?.rules.catalog.length ?? 0;
const catalogVersion = kiosk.sync.catalog.version;
// RSS each second while idle: V8 collects the load's garbage late or never when nothing allocates.
const rssBySecond = [];
for (let i = 0; i < Number(settle); i++) {
  await new Promise((r) => setTimeout(r, 1000));
  rssBySecond.push(Math.round(process.memoryUsage().rss / 104857.6) / 10);
}
// Diagnostic (BENCH_GC=1 with --expose-gc in BENCH_NODE_FLAGS): what the kiosk holds after a full collection.
if (process.env.BENCH_GC === "1") globalThis.gc?.();
const m = process.memoryUsage();
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
process.stdout.write(JSON.stringify({ cached, items, catalogVersion, rssBySecond, peakRssMB: mb(process.resourceUsage().maxRSS * 1024), rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), externalMB: mb(m.external + m.arrayBuffers) }) + "\\n");
await kiosk.stop();
process.exit(0);
`;

/** Compiles the kiosk (tsc -p tsconfig.build.json, plus the assets tsc does not emit) into `out`. */
function build(out: string): void {
  const repo = fileURLToPath(new URL("..", import.meta.url));
  const tsc = spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", join(repo, "tsconfig.build.json"), "--outDir", out], {
    encoding: "utf8",
    cwd: repo,
  });
  // Type errors elsewhere in a shared tree do not stop the emit; a missing output does.
  const assets = spawnSync(process.execPath, [join(repo, "scripts/copy-assets.mjs"), out], { encoding: "utf8", cwd: repo });
  if (assets.status !== 0 || !existsSync(join(out, "device/compose.js"))) throw new Error(`build failed: ${tsc.stdout.slice(-2000)} ${assets.stderr}`);
  // The compiled tree resolves its packages (zod, better-sqlite3, mqtt...) from the repository's node_modules.
  symlinkSync(join(repo, "node_modules"), join(out, "node_modules"), "dir");
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(out, "child.mjs"), CHILD);
}

type Shape = "store" | "bundle" | "both";

/** A kiosk data dir with a signed config, a catalog of `items` products (where `shape` says) and `members` cached members (every one with a headshot hash, 1,000 photos stored). */
async function seed(dir: string, members: number, items: number, hq: ReturnType<typeof generateKeyPair>, shape: Shape): Promise<void> {
  const kioskDir = join(dir, "kiosk");
  mkdirSync(kioskDir, { recursive: true });
  writeFileSync(join(dir, "secret"), "unused");
  const db = await openDatabase(join(kioskDir, "kiosk.db"));
  migrate(db, KIOSK_MIGRATIONS);
  const store = new KioskStore(db);
  const rules = bigRules(items);
  const whole = { version: 1, chainId: "bench", storeId: "s01", issuedAt: Date.now(), rules, device: { storeName: "Bench store" } };
  // What the hub sends a kiosk that reports its catalog version (hub/config-service.ts): the bundle without its catalog.
  const content = shape === "both" || shape === "bundle" ? whole : { ...whole, rules: { ...rules, catalog: [] }, catalogVersion: 1 };
  store.saveConfig(1, signEnvelope(hq, "hq", content), Date.now());
  if (shape !== "bundle") {
    const products = parseRulesConfig(rules).catalog;
    new KioskCatalogStore(db).apply({ next: catalogState(1, products), put: products, remove: [], replace: true });
  }
  const photo = new Uint8Array(8_000).fill(7);
  const hash = (i: number): string =>
    createHash("sha256")
      .update(`photo-${i % 5000}`)
      .digest("hex");
  for (let i = 0; i < Math.min(members, 1000); i++) store.savePhoto(hash(i), "image/jpeg", photo);
  const key = generateKeyPair().publicKey;
  let batch: MemberChange[] = [];
  for (let i = 0; i < members; i++) {
    const member: MemberRecord = {
      memberId: `M${i}`,
      cardId: `C${String(i).padStart(10, "0")}`,
      name: `会员${i}`,
      levelId: "l90",
      cardClass: "standard",
      cardPublicKey: key,
      shoppingCards: [],
      status: "active",
      pointsBalance: i % 5000,
      balanceFen: (i * 37) % 100_000,
      bonusBalanceFen: 0,
      headshotHash: hash(i),
      birthday: "05-01",
      coupons: i % 3 === 0 ? [{ instanceId: `i${i}`, couponId: "c-100-20", expiresOn: "2099-12-31" }] : [],
    };
    batch.push({ kind: "upsert", seq: i + 1, member });
    if (batch.length === 1000 || i === members - 1) {
      store.applyMemberChanges(batch, i + 1, i < 1000);
      batch = [];
    }
  }
  db.close();
}

/** The node flags systemd/kiosk.service starts the kiosk with (BENCH_NODE_FLAGS overrides, "" for none). */
const KIOSK_NODE_FLAGS = (() => {
  const unit = readFileSync(new URL("../systemd/kiosk.service", import.meta.url), "utf8");
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(unit)?.[1] ?? "";
  return exec.split(/\s+/).filter((f) => f !== "");
})();
const flags = (process.env.BENCH_NODE_FLAGS ?? KIOSK_NODE_FLAGS.join(" ")).split(" ").filter((f) => f !== "");

function measure(
  out: string,
  dir: string,
  hqKey: string,
): {
  cached: number;
  items: number;
  catalogVersion: number;
  rssBySecond: number[];
  peakRssMB: number;
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
} {
  const r = spawnSync(process.execPath, [...flags, join(out, "child.mjs"), out, dir, values.settle ?? "15", hqKey], { encoding: "utf8" });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`kiosk child failed (${String(r.status)}): ${r.stdout.slice(-500)} ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as ReturnType<typeof measure>;
}

const members = Number(values.members);
const shape = values.shape as Shape;
if (!["store", "bundle", "both"].includes(shape)) throw new Error(`--shape store|bundle|both, not ${shape}`);
const items = Number(values.items);
const root = mkdtempSync(join(tmpdir(), "bench-kiosk-mem-"));
try {
  const hq = generateKeyPair();
  const t0 = performance.now();
  await seed(join(root, "big"), members, items, hq, shape);
  const seedMs = performance.now() - t0;
  await seed(join(root, "small"), 0, 10, hq, shape);
  const out = join(root, "build");
  build(out);
  const big = measure(out, join(root, "big"), hq.publicKey);
  const small = measure(out, join(root, "small"), hq.publicKey);
  if (big.cached !== members || big.items !== items || big.catalogVersion !== (shape === "bundle" ? 0 : 1))
    throw new Error(`expected ${members} members and ${items} items, the kiosk has ${big.cached} and ${big.items} (catalog version ${big.catalogVersion})`);
  const result = {
    node: process.version,
    members,
    items,
    shape,
    seedSeconds: Math.round(seedMs / 100) / 10,
    big,
    small,
    goalRssMB: 150,
    loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(
      [
        `kiosk memory (${result.node}, node ${flags.join(" ") || "(no flags)"}, catalog in the ${shape === "store" ? "catalog store" : shape === "bundle" ? "bundle" : "bundle and the catalog store"}), idle ${values.settle} s after start, load ${result.loadAverage.join(" ")}`,
        `  ${members.toLocaleString("en-US")} members cached + ${items.toLocaleString("en-US")}-item catalog: RSS ${big.rssMB} MB (peak ${big.peakRssMB} MB, heap ${big.heapUsedMB} of ${big.heapTotalMB} MB, external ${big.externalMB} MB); goal < 150 MB`,
        `    RSS after each idle second: ${big.rssBySecond.join(" ")} (highest ${Math.max(...big.rssBySecond)} MB; V8 returns the start-up garbage after some seconds idle)`,
        `  baseline, empty cache + 10-item catalog:  RSS ${small.rssMB} MB (peak ${small.peakRssMB} MB, heap ${small.heapUsedMB} of ${small.heapTotalMB} MB, external ${small.externalMB} MB)`,
        `  the state costs ${Math.round((big.rssMB - small.rssMB) * 10) / 10} MB over the baseline`,
        "",
      ].join("\n"),
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
