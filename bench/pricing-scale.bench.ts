// Benchmark: priceCart on a 50,000-item catalog against the same cart on 10 items and a line-summing baseline (same run), request checked on each call and at the boundary; config parse+validate time and memory.
// Run: npx tsx bench/pricing-scale.bench.ts [--items 50000] [--seconds 1] [--rounds 5] [--json]
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { MemberRecord } from "../protocol/messages.js";
import { parseRulesConfig, type RulesConfig } from "../protocol/rules/config.js";
import { priceCart, priceCartTrusted } from "../protocol/rules/pricing.js";
import type { CartLine, PriceCartInput } from "../protocol/rules/pricing-types.js";
import { parseInstant } from "../protocol/rules/time.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { bigRules, exampleCart, spreadCart } from "./big-catalog.js";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "50000" },
    seconds: { type: "string", default: "1" },
    rounds: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
  },
});
const items = Number(values.items);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const mb = (n: number): number => Math.round((n / 1048576) * 10) / 10;
// A full GC before each memory reading, without needing --expose-gc on the command line.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// Config at the boundary: JSON text -> parsed and validated rules, timed, with the memory it holds.
const small = parseRulesConfig(bigRules(10));
const bigText = JSON.stringify(bigRules(items));
gc();
const before = process.memoryUsage();
const parseTimes: number[] = [];
let big: RulesConfig = small;
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  big = parseRulesConfig(JSON.parse(bigText) as unknown);
  parseTimes.push(performance.now() - t0);
}
gc();
const after = process.memoryUsage();

const at = parseInstant("2024-05-01T10:00:00+08:00", 480);
const member: PriceCartInput["member"] = {
  id: "bench",
  levelId: "l90",
  cardClass: "standard",
  birthday: "05-01",
  pointsBalance: 1000,
  couponsHeld: [
    { instanceId: "a", couponId: "c-200-50", expiresOn: "2024-12-31" },
    { instanceId: "b", couponId: "c-birthday-20", expiresOn: "2024-12-31" },
    { instanceId: "c", couponId: "c-free-milk", expiresOn: "2024-12-31" },
  ],
};
const input = (config: RulesConfig, lines: CartLine[]): PriceCartInput => ({ config, member, lines, channel: "kiosk", at, coupons: ["a", "b", "c"] });
const cart = exampleCart();
const spread = spreadCart(big.catalog);
const inputs = { small: input(small, cart), big: input(big, cart), spread: input(big, spread) };
for (const [name, i] of Object.entries(inputs)) {
  const r = priceCart(i);
  if (r.appliedCoupons.length !== 3) throw new Error(`${name}: expected 3 coupons applied, got ${r.appliedCoupons.length}`);
}
if (priceCart(inputs.small).totals.totalFen !== priceCart(inputs.big).totals.totalFen) throw new Error("the same cart must price the same on both catalogs");

// The kiosk and the hub price through priceSale (a MemberRecord and sku lines).
const record = {
  memberId: "bench",
  levelId: "l90",
  cardClass: "standard",
  birthday: "05-01",
  pointsBalance: 1000,
  coupons: (member?.couponsHeld ?? []).map((c) => ({ instanceId: c.instanceId, couponId: c.couponId, expiresOn: c.expiresOn })),
} as unknown as MemberRecord;
const saleLines = spread.map((l) => ({ sku: l.sku ?? big.catalog.find((p) => p.barcode === l.barcode)?.sku ?? "", qty: l.qty }));
const saleContent = { rules: big } as unknown as Parameters<typeof priceSale>[0];

// Baseline: summing the spread cart's lines by a Map look-up on the big catalog.
const prices = new Map<string, number>();
for (const p of big.catalog) {
  prices.set(p.sku, p.priceFen);
  if (p.barcode !== undefined) prices.set(p.barcode, p.priceFen);
}
function baseline(): number {
  let total = 0;
  for (const l of spread) total += (prices.get(l.sku ?? l.barcode ?? "") ?? 0) * l.qty;
  return total;
}

let sink = 0;
/** Operations per second of `fn` over about `ms` ms: per wall-clock second and per CPU second of this process. */
function opsPerSecond(fn: () => number, ms: number): { wall: number; cpu: number } {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) sink += fn();
    ops += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: (ops * 1000) / elapsed, cpu: (ops * 1e6) / Math.max(1, cpu.user + cpu.system) };
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

for (const i of Object.values(inputs))
  if (JSON.stringify(priceCartTrusted(i)) !== JSON.stringify(priceCart(i))) throw new Error("the trusted entry must price as the checked one");

type Case = "small" | "big" | "spread" | "smallTrusted" | "bigTrusted" | "spreadTrusted" | "sale" | "baseline";
const cases: Record<Case, () => number> = {
  small: () => priceCart(inputs.small).totals.totalFen,
  big: () => priceCart(inputs.big).totals.totalFen,
  spread: () => priceCart(inputs.spread).totals.totalFen,
  // The request checked once at the boundary (hub: the sale message's schema; kiosk: its cart edits), not on this call.
  smallTrusted: () => priceCartTrusted(inputs.small).totals.totalFen,
  bigTrusted: () => priceCartTrusted(inputs.big).totals.totalFen,
  spreadTrusted: () => priceCartTrusted(inputs.spread).totals.totalFen,
  // What the hub's evaluateSale and the kiosk's coupon chooser call: the member and coupons checked, the lines checked at the boundary.
  sale: () => priceSale(saleContent, record, saleLines, at, { coupons: ["a", "b", "c"], linesChecked: true }).totals.totalFen,
  baseline,
};
const names = Object.keys(cases) as Case[];
for (const k of names) opsPerSecond(cases[k], 300);
const wallSamples = new Map<Case, number[]>(names.map((k) => [k, []]));
const cpuSamples = new Map<Case, number[]>(names.map((k) => [k, []]));
// Alternate the cases within each round so that all of them see the same machine state.
for (let r = 0; r < rounds; r++) {
  for (const k of names) {
    const o = opsPerSecond(cases[k], seconds * 1000);
    wallSamples.get(k)?.push(o.wall);
    cpuSamples.get(k)?.push(o.cpu);
  }
}
const pick = (m: Map<Case, number[]>): Record<Case, number> =>
  Object.fromEntries(names.map((k) => [k, Math.round(median(m.get(k) ?? []))])) as Record<Case, number>;
const ops = pick(cpuSamples);
const wall = pick(wallSamples);

const result = {
  node: process.version,
  items,
  configJsonMB: mb(Buffer.byteLength(bigText)),
  parseValidateMs: Math.round(median(parseTimes)),
  heapHeldMB: mb(after.heapUsed - before.heapUsed),
  rssMB: mb(after.rss),
  /** Per CPU second of this process (other processes share the 2 cores); wall-clock figures below. */
  cartsPerCpuSecond: {
    sameCart10Items: ops.small,
    sameCartBig: ops.big,
    spreadCartBig: ops.spread,
    trustedSameCart10Items: ops.smallTrusted,
    trustedSameCartBig: ops.bigTrusted,
    trustedSpreadCartBig: ops.spreadTrusted,
    priceSaleSpreadBig: ops.sale,
    baselineSumLines: ops.baseline,
  },
  cartsPerWallSecond: wall,
  bigOverSmall: Number((ops.big / ops.small).toFixed(2)),
  spreadOverSmall: Number((ops.spread / ops.small).toFixed(2)),
  trustedBigOverSmall: Number((ops.bigTrusted / ops.smallTrusted).toFixed(2)),
  trustedSpreadOverSmall: Number((ops.spreadTrusted / ops.smallTrusted).toFixed(2)),
  baselineOverSpread: Math.round(ops.baseline / ops.spread),
  baselineOverTrustedSpread: Math.round(ops.baseline / ops.spreadTrusted),
  goalCartsPerSec: 50_000,
  loadAverage: (await import("node:os")).loadavg().map((x) => Number(x.toFixed(1))),
};
if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  const f = (n: number): string => n.toLocaleString("en-US");
  const goal = (n: number): string => (n >= result.goalCartsPerSec ? "met" : "not met");
  const near = (x: number): string => (x >= 0.8 ? "met" : "not met");
  const I = f(items);
  process.stdout.write(
    [
      `pricing at scale (${result.node}), ${I} items, median of ${rounds} rounds x ${seconds}s, load ${result.loadAverage.join(" ")}`,
      `  config: ${result.configJsonMB} MB JSON, parse+validate ${result.parseValidateMs} ms, holds ${result.heapHeldMB} MB heap (rss ${result.rssMB} MB)`,
      "  carts per CPU second of this process (wall-clock in --json); goals: >= 50,000/s on the big catalog, >= 0.8x of 10 items",
      "  request checked at the boundary (priceCartTrusted):",
      `    same 30-line cart, 10 items:       ${f(ops.smallTrusted)}`,
      `    same 30-line cart, ${I} items:    ${f(ops.bigTrusted)} (${result.trustedBigOverSmall}x of 10 items: ${near(result.trustedBigOverSmall)}; ${goal(ops.bigTrusted)})`,
      `    spread 30-line cart, ${I} items:  ${f(ops.spreadTrusted)} (${result.trustedSpreadOverSmall}x of 10 items: ${near(result.trustedSpreadOverSmall)}; ${goal(ops.spreadTrusted)})`,
      "  request checked on each call (priceCart):",
      `    same 30-line cart, 10 items:       ${f(ops.small)}`,
      `    same 30-line cart, ${I} items:    ${f(ops.big)} (${result.bigOverSmall}x of 10 items: ${near(result.bigOverSmall)}; ${goal(ops.big)})`,
      `    spread 30-line cart, ${I} items:  ${f(ops.spread)} (${result.spreadOverSmall}x of 10 items: ${near(result.spreadOverSmall)}; ${goal(ops.spread)})`,
      `  priceSale, lines checked at the boundary (hub and kiosk path), spread: ${f(ops.sale)} (${goal(ops.sale)})`,
      `  baseline (sum the spread cart's lines): ${f(ops.baseline)} ops/s = ${result.baselineOverTrustedSpread}x a trusted spread cart, ${result.baselineOverSpread}x a checked one`,
      "",
    ].join("\n"),
  );
}
if (sink === Number.MIN_SAFE_INTEGER) process.stdout.write("");
