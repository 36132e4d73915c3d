// The hub's decode of one 500-entry ledger batch: zod's runtime parse (decodeMessage(LedgerBatchSchema)) against decodeLedgerBatch (zod-compiled), as a ratio measured in the same run.
//
//   npx tsx bench/ledger-decode.bench.ts [--rounds 6] [--reps 200]
//
// Two batches: 500 sales shaped as bench/ingest-path.bench.ts sends them (one or two lines, one
// external tender), and 500 mixed facts (sales with every optional field, returns, gate entries,
// verifications, claims). Each round times both decoders on the same bytes, in alternating order;
// the figures are the median round. "check only" leaves JSON.parse out (the batch parsed once, the
// schema check timed alone). A hand-written checker of the sale fact is timed too, on the sales batch
// only, as the speed reference protocol/ledger-batch-decode.ts was chosen against (it is not used).
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { LedgerBatchSchema, decodeMessage, encodeMessage, type LedgerEntry } from "../protocol/messages.js";
import { CompiledLedgerBatchSchema, decodeLedgerBatch, ledgerBatchCompiled } from "../protocol/ledger-batch-decode.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "6" }, reps: { type: "string", default: "200" } } });
const ROUNDS = Number(values.rounds);
const REPS = Number(values.reps);
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);

const entry = (seq: number, fact: LedgerEntry["fact"]): LedgerEntry => ({ seq, entryId: `k0-${seq}`, at: T0 + seq, configVersion: 2, fact });
const sale = (seq: number): LedgerEntry["fact"] => ({
  type: "sale",
  saleId: `k0-sale-${seq}`,
  memberId: `m${seq % 60}`,
  cardId: `Cm${seq % 60}`,
  lines: (seq % 2 ? ["rice-5kg", "milk-1l"] : ["olive-oil-1l"]).map((sku) => ({ sku, qty: 1 })),
  hints: { subtotalFen: 13970, totalFen: 12573, savingsFen: 1397, pointsEarned: 125 },
  tenders: [{ kind: "external", amountFen: 12573 }],
  offlineApproved: false,
  catalogVersion: 3,
});
const mixed = (seq: number): LedgerEntry["fact"] => {
  const m = { memberId: `m${seq % 60}`, cardId: `Cm${seq % 60}` };
  const hints = { subtotalFen: 5990, totalFen: 5391, savingsFen: 599, pointsEarned: 53 };
  switch (seq % 5) {
    case 0:
      return {
        type: "sale",
        saleId: `s-${seq}`,
        ...m,
        lines: [{ sku: "pork-loin", qty: 1, scaleLabel: "2812345012345" }],
        hints,
        tenders: [
          { kind: "shopping-card", amountFen: 2000, cardId: "SC-1" },
          { kind: "balance", amountFen: 3391 },
        ],
        authorization: { requestId: `a-${seq}`, mode: "online" },
        offlineApproved: false,
        coupons: ["cp-1"],
        balanceSplit: { principalFen: 3000, bonusFen: 391 },
        receiptToken: "Qm9vay1yZWNlaXB0LXRva2VuMDE",
      };
    case 1: {
      const h = { refundFen: 5391, principalFen: 5391, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 53 };
      return {
        type: "return",
        returnId: `r-${seq}`,
        saleId: `s-${seq - 1}`,
        ...m,
        staffId: "s1",
        lines: [{ index: 0, qty: 1 }],
        hints: h,
        couponsRestored: [],
      };
    }
    case 2:
      return { type: "gate_entry", ...m, admitted: true, cardClass: "vip-gold", vipExpiresAt: T0 + 86_400_000 };
    case 3:
      return { type: "verification", requestId: `v-${seq}`, ...m, staffId: "s7", decision: "approved", reasons: ["card-class", "random"] };
    default:
      return { type: "claim", claimId: `c-${seq}`, ...m, lines: [{ sku: "rice-5kg", qty: 2 }], coupons: [], hints, expiresAt: T0 + 3600_000 };
  }
};
const bytesOf = (f: (seq: number) => LedgerEntry["fact"]): Buffer => encodeMessage({ entries: Array.from({ length: 500 }, (_, i) => entry(i + 1, f(i + 1))) });

// ---------------------------------------------------------------- the hand-written reference (sale facts only)

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const BAD = Symbol("bad");
type O = Record<string, unknown>;
const obj = (v: unknown): v is O => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown): boolean => typeof v === "string" && ID.test(v);
const nn = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const pos = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
function handSale(f: O): unknown {
  if (!isId(f.saleId) || !isId(f.memberId) || !isId(f.cardId)) return BAD;
  const ls = f.lines;
  const ts = f.tenders;
  const h = f.hints;
  if (!Array.isArray(ls) || ls.length < 1 || ls.length > 200 || !Array.isArray(ts) || ts.length < 1 || !obj(h)) return BAD;
  const lines = new Array<unknown>(ls.length);
  for (let i = 0; i < ls.length; i++) {
    const l: unknown = ls[i];
    if (!obj(l) || !isId(l.sku) || !pos(l.qty) || (l.qty as number) > 999 || "scaleLabel" in l) return BAD;
    lines[i] = { sku: l.sku, qty: l.qty };
  }
  if (!nn(h.subtotalFen) || !nn(h.totalFen) || !nn(h.savingsFen) || !nn(h.pointsEarned)) return BAD;
  const tenders = new Array<unknown>(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const t: unknown = ts[i];
    if (!obj(t) || !nn(t.amountFen) || "cardId" in t || (t.kind !== "external" && t.kind !== "balance" && t.kind !== "points")) return BAD;
    tenders[i] = { kind: t.kind, amountFen: t.amountFen };
  }
  if ("authorization" in f || "coupons" in f || "pointsRedeemed" in f || "balanceSplit" in f || "receiptToken" in f) return BAD;
  const oa = f.offlineApproved ?? false;
  if (typeof oa !== "boolean" || ("catalogVersion" in f && !pos(f.catalogVersion))) return BAD;
  const hints = { subtotalFen: h.subtotalFen, totalFen: h.totalFen, savingsFen: h.savingsFen, pointsEarned: h.pointsEarned };
  const out: O = { type: "sale", saleId: f.saleId, memberId: f.memberId, cardId: f.cardId, lines, hints, tenders, offlineApproved: oa };
  if ("catalogVersion" in f) out.catalogVersion = f.catalogVersion;
  return out;
}
function handBatch(v: unknown): unknown {
  if (!obj(v) || !Array.isArray(v.entries) || v.entries.length < 1 || v.entries.length > 500) return BAD;
  const out = new Array<unknown>(v.entries.length);
  for (let i = 0; i < out.length; i++) {
    const e: unknown = v.entries[i];
    if (!obj(e) || !pos(e.seq) || !isId(e.entryId) || !nn(e.at) || !nn(e.configVersion) || !obj(e.fact) || e.fact.type !== "sale") return BAD;
    const fact = handSale(e.fact);
    if (fact === BAD) return BAD;
    out[i] = { seq: e.seq, entryId: e.entryId, at: e.at, configVersion: e.configVersion, fact };
  }
  return { entries: out };
}

// ---------------------------------------------------------------- timing

function msPer(f: () => unknown): number {
  const started = performance.now();
  for (let i = 0; i < REPS; i++) f();
  return (performance.now() - started) / REPS;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function run(name: string, bytes: Buffer, withHand: boolean): void {
  const parsed: unknown = JSON.parse(bytes.toString("utf8"));
  const want = JSON.stringify(decodeMessage(LedgerBatchSchema, bytes));
  if (JSON.stringify(decodeLedgerBatch(bytes)) !== want) throw new Error(`${name}: decodeLedgerBatch differs from zod`);
  if (withHand && JSON.stringify(handBatch(parsed)) !== want) throw new Error(`${name}: the hand-written checker differs from zod`);
  const timings: Record<string, () => unknown> = {
    "zod decode": () => decodeMessage(LedgerBatchSchema, bytes),
    "fast decode": () => decodeLedgerBatch(bytes),
    "JSON.parse alone": () => JSON.parse(bytes.toString("utf8")),
    "zod check only": () => LedgerBatchSchema.safeParse(parsed),
    "compiled check only": () => CompiledLedgerBatchSchema.safeParse(parsed),
    ...(withHand ? { "hand-written check only": () => handBatch(parsed) } : {}),
  };
  const names = Object.keys(timings);
  const rounds = new Map(names.map((n) => [n, [] as number[]]));
  for (const n of names) msPer(timings[n]!); // warm
  for (let r = 0; r < ROUNDS; r++) for (const n of r % 2 ? [...names].reverse() : names) rounds.get(n)!.push(msPer(timings[n]!));
  const ms = (n: string): number => median(rounds.get(n)!);
  process.stdout.write(`${name} (500 entries, ${bytes.length.toLocaleString("en-US")} B):\n`);
  for (const n of names) process.stdout.write(`  ${n.padEnd(24)} ${ms(n).toFixed(3)} ms per batch\n`);
  process.stdout.write(
    `  decode: fast / zod = ${(ms("fast decode") / ms("zod decode")).toFixed(3)}x (${(ms("zod decode") / ms("fast decode")).toFixed(2)} times faster)\n` +
      `  check only: compiled / zod = ${(ms("compiled check only") / ms("zod check only")).toFixed(3)}x` +
      (withHand ? `, hand-written / zod = ${(ms("hand-written check only") / ms("zod check only")).toFixed(3)}x` : "") +
      "\n",
  );
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
process.stdout.write(`ledger batch decode, ${ROUNDS} rounds of ${REPS}, median round; compiled: ${ledgerBatchCompiled}; load before ${load()}\n`);
run("sales as bench/ingest-path sends them", bytesOf(sale), true);
run("mixed facts", bytesOf(mixed), false);
process.stdout.write(`load after ${load()}\n`);
