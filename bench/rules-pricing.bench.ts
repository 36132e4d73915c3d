// Benchmark: pricing a 30-line cart with 3 coupons, against a baseline of summing the same 30 lines, in one run.
// Run: npx tsx bench/rules-pricing.bench.ts [--seconds 1] [--rounds 5] [--json]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseRulesConfig } from "../protocol/rules/config.js";
import { priceCart } from "../protocol/rules/pricing.js";
import type { CartLine, PriceCartInput } from "../protocol/rules/pricing-types.js";
import { parseInstant } from "../protocol/rules/time.js";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "1" }, rounds: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

const config = parseRulesConfig(JSON.parse(readFileSync(new URL("../protocol/rules/examples/full-config.json", import.meta.url), "utf8")) as unknown);
const skus = config.catalog.map((p) => p.sku);
const lines: CartLine[] = Array.from({ length: 30 }, (_, i) => ({ sku: skus[(i * 7) % skus.length] ?? "rice-5kg", qty: 1 + (i % 4) }));
const input: PriceCartInput = {
  config,
  member: {
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
  },
  lines,
  channel: "kiosk",
  at: parseInstant("2024-05-01T10:00:00+08:00", 480),
  coupons: ["a", "b", "c"],
};
const check = priceCart(input);
if (check.appliedCoupons.length !== 3) throw new Error(`expected 3 coupons applied, got ${check.appliedCoupons.length}`);

const prices = new Map(config.catalog.map((p) => [p.sku, p.priceFen]));
function baseline(): number {
  let total = 0;
  for (const l of lines) total += (prices.get(l.sku ?? "") ?? 0) * l.qty;
  return total;
}

let sink = 0;
/** Operations per second of `fn`, run in batches for about `ms` milliseconds. */
function opsPerSecond(fn: () => number, ms: number): number {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) sink += fn();
    ops += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2;
  }
  return (ops * 1000) / elapsed;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

// Warm up both, then alternate rounds so that both see the same machine state.
opsPerSecond(() => priceCart(input).totals.totalFen, 300);
opsPerSecond(baseline, 300);
const priced: number[] = [];
const summed: number[] = [];
for (let r = 0; r < rounds; r++) {
  priced.push(opsPerSecond(() => priceCart(input).totals.totalFen, seconds * 1000));
  summed.push(opsPerSecond(baseline, seconds * 1000));
}
const p = median(priced);
const b = median(summed);
const result = {
  node: process.version,
  cart: { lines: lines.length, units: check.totals.itemCount, coupons: check.appliedCoupons.length, totalFen: check.totals.totalFen },
  priceCartOpsPerSec: Math.round(p),
  baselineSumOpsPerSec: Math.round(b),
  baselineOverPriceCart: Math.round(b / p),
  priceCartMicrosPerOp: Number((1e6 / p).toFixed(2)),
  rounds,
  secondsPerRound: seconds,
};
if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  process.stdout.write(
    [
      `rules pricing benchmark (${result.node}), median of ${rounds} rounds x ${seconds}s`,
      `  cart: ${result.cart.lines} lines, ${result.cart.units} units, ${result.cart.coupons} coupons, total ${result.cart.totalFen} fen`,
      `  priceCart:            ${result.priceCartOpsPerSec.toLocaleString("en-US")} ops/s (${result.priceCartMicrosPerOp} us/op)`,
      `  baseline (sum lines): ${result.baselineSumOpsPerSec.toLocaleString("en-US")} ops/s`,
      `  baseline / priceCart: ${result.baselineOverPriceCart}x`,
      "",
    ].join("\n"),
  );
}
if (sink === Number.MIN_SAFE_INTEGER) process.stdout.write("");
