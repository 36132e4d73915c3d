// Benchmark: committing a 30-line sale (points, coupons, ledger, outbox, member effect, sale record) through the kiosk store, durably, against one bare durable insert in the same database file and run; with the time split (CPU, fsync) and WAL pages per commit.
// Run: npx tsx bench/checkout-commit.bench.ts [--n 25] [--rounds 60] [--json]
// The sale and the bare insert alternate in batches of n (rounds of each), so a disk shared with other work slows both
// alike; each figure is the total time over all its batches divided by the calls (checkpoints included, as they come).
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KIOSK_MIGRATIONS } from "../device/schema.js";
import { encodePricedCart, encodeTenderPlan } from "../device/sale-record.js";
import { KioskStore, type MemberEffect } from "../device/store.js";
import { MemberRecordSchema, type SaleFact } from "../protocol/messages.js";
import { parseRulesConfig } from "../protocol/rules/config.js";
import { settleTenders } from "../protocol/rules/tenders.js";
import { parseInstant } from "../protocol/rules/time.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { migrate, openDatabase } from "../storage/sqlite.js";
import { bigRules, exampleCart } from "./big-catalog.js";

const { values } = parseArgs({
  options: { n: { type: "string", default: "25" }, rounds: { type: "string", default: "60" }, json: { type: "boolean", default: false } },
});
const N = Number(values.n);
const rounds = Number(values.rounds);

const dir = mkdtempSync(join(tmpdir(), "bench-commit-"));
const db = await openDatabase(join(dir, "kiosk.db")); // WAL, synchronous=FULL (the kiosk's own settings)
migrate(db, KIOSK_MIGRATIONS);
const store = new KioskStore(db);
db.exec("CREATE TABLE bare (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)");
const sync = db.prepare("PRAGMA synchronous").get<{ synchronous: number }>()?.synchronous;
if (sync !== 2) throw new Error(`expected synchronous=FULL (2), got ${String(sync)}`);

const rules = parseRulesConfig(bigRules(10));
const content = { rules } as unknown as Parameters<typeof priceSale>[0];
const at = parseInstant("2024-05-01T10:00:00+08:00", 480);
const member = MemberRecordSchema.parse({
  memberId: "M1",
  cardId: "C1",
  name: "会员",
  levelId: "l90",
  cardClass: "standard",
  status: "active",
  cardPublicKey: "A".repeat(43),
  pointsBalance: 5_000,
  balanceFen: 100_000,
  birthday: "05-01",
  coupons: [
    { instanceId: "a", couponId: "c-200-50", expiresOn: "2024-12-31" },
    { instanceId: "b", couponId: "c-birthday-20", expiresOn: "2024-12-31" },
    { instanceId: "c", couponId: "c-free-milk", expiresOn: "2024-12-31" },
  ],
});
const lines = exampleCart().map((l) => ({ sku: l.sku ?? "", qty: l.qty }));
const priced = priceSale(content, member, lines, at, { coupons: ["a", "b", "c"], pointsToRedeem: 500 });
if (priced.lines.length !== 30 || priced.appliedCoupons.length !== 3 || priced.totals.pointsRedeemed === 0)
  throw new Error("expected 30 lines, 3 coupons and points");
const tenders = settleTenders(rules, { cart: priced, balance: { principalFen: 100_000, bonusFen: 0 }, useBalanceFen: 0 });

/** One sale as device/session/payment.ts commits it: the fact, the member effect and the sales row, in one transaction. */
function commitSale(): void {
  const t = priced.totals;
  const saleId = randomUUID();
  const fact: SaleFact = {
    type: "sale",
    saleId,
    memberId: member.memberId,
    cardId: member.cardId,
    lines: lines.map((l) => ({ ...l })),
    hints: { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned },
    tenders: [
      { kind: "points", amountFen: t.pointsCashFen },
      { kind: "external", amountFen: tenders.externalFen },
    ],
    offlineApproved: false,
    coupons: priced.appliedCoupons.map((c) => c.instanceId),
    pointsRedeemed: t.pointsRedeemed,
    receiptToken: randomBytes(16).toString("base64url"),
    authorization: { requestId: saleId, mode: "online" },
  };
  const held = member.coupons.filter((c) => fact.coupons?.includes(c.instanceId));
  const effect: MemberEffect = {
    memberId: member.memberId,
    pointsDelta: t.pointsEarned - t.pointsRedeemed,
    balanceDeltaFen: 0,
    coupons: held.map((coupon) => ({ action: "use", coupon })),
  };
  store.appendSale(fact, at, 1, effect, { saleId, memberId: member.memberId, cardId: member.cardId, at, priced, tenders, coupons: held });
}
const bareBody = JSON.stringify({ saleId: randomUUID(), totalFen: priced.totals.totalFen });
const bareInsert = db.prepare("INSERT INTO bare (at, body) VALUES (?, ?)");
const bare = (): void => void bareInsert.run(at, bareBody);

/** Milliseconds per call of `sale` and of `bare`, alternating batches of N calls for `rounds` rounds. */
function alternate(sale: () => void, baseline: () => void): { sale: number; bare: number } {
  let saleTotal = 0;
  let bareTotal = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < N; i++) baseline();
    bareTotal += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < N; i++) sale();
    saleTotal += performance.now() - t0;
  }
  return { sale: saleTotal / (N * rounds), bare: bareTotal / (N * rounds) };
}

commitSale();
bare();
const durable = alternate(commitSale, bare);

// What the sale costs besides the fsync: the same calls with synchronous=OFF (no fsync, same writes), and its CPU
// before the transaction (the receipt and tender plan in their stored form).
db.exec("PRAGMA synchronous = OFF");
const noSync = alternate(commitSale, bare);
db.exec("PRAGMA synchronous = FULL");
const t0 = performance.now();
for (let i = 0; i < N * rounds; i++) {
  encodePricedCart(priced);
  encodeTenderPlan(tenders);
}
const encodeMs = (performance.now() - t0) / (N * rounds);
const receiptBytes = encodePricedCart(priced).length + encodeTenderPlan(tenders).length;

// WAL frames (pages) each commit writes, checkpoints held off while counting.
db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
db.exec("PRAGMA wal_autocheckpoint = 0");
const framesPer = (fn: () => void): number => {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  for (let i = 0; i < 100; i++) fn();
  return (db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get<{ log: number }>()?.log ?? 0) / 100;
};
const saleFrames = framesPer(commitSale);
const bareFrames = framesPer(bare);

const ms3 = (x: number): number => Number(x.toFixed(3));
const result = {
  node: process.version,
  lines: priced.lines.length,
  coupons: priced.appliedCoupons.length,
  pointsRedeemed: priced.totals.pointsRedeemed,
  salesCommitted: N * rounds * 2 + 101,
  outboxRows: store.outboxDepth(),
  saleCommitMs: ms3(durable.sale),
  bareInsertMs: ms3(durable.bare),
  ratio: Number((durable.sale / durable.bare).toFixed(2)),
  goal: 1.5,
  split: {
    saleWithoutFsyncMs: ms3(noSync.sale),
    bareWithoutFsyncMs: ms3(noSync.bare),
    receiptEncodeMs: ms3(encodeMs),
    saleFsyncWaitMs: ms3(durable.sale - noSync.sale),
    bareFsyncWaitMs: ms3(durable.bare - noSync.bare),
  },
  walFramesPerCommit: { sale: saleFrames, bare: bareFrames },
  receiptBytes: { stored: receiptBytes, json: JSON.stringify(priced).length + JSON.stringify(tenders).length },
  loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
};
db.close();
rmSync(dir, { recursive: true, force: true });
if (result.outboxRows !== result.salesCommitted) throw new Error(`expected ${result.salesCommitted} outbox rows, got ${result.outboxRows}`);
if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  const sp = result.split;
  process.stdout.write(
    [
      `checkout commit (${result.node}), synchronous=FULL, WAL, ${rounds} alternating rounds x ${N}, load ${result.loadAverage.join(" ")}`,
      `  30-line sale (${result.coupons} coupons, ${result.pointsRedeemed} points, ledger + outbox + member effect + sale record): ${result.saleCommitMs} ms`,
      `  bare durable insert (same file):  ${result.bareInsertMs} ms`,
      `  sale / bare: ${result.ratio}x (goal <= ${result.goal}x)`,
      `  without fsync (synchronous=OFF, same writes): sale ${sp.saleWithoutFsyncMs} ms (receipt + tender plan encoding ${sp.receiptEncodeMs} ms of it), bare ${sp.bareWithoutFsyncMs} ms`,
      `  so waiting for the disk: sale ${sp.saleFsyncWaitMs} ms, bare ${sp.bareFsyncWaitMs} ms`,
      `  WAL pages per commit: sale ${result.walFramesPerCommit.sale}, bare ${result.walFramesPerCommit.bare}; receipt + tender plan stored in ${result.receiptBytes.stored} B (as JSON: ${result.receiptBytes.json} B)`,
      "",
    ].join("\n"),
  );
}
