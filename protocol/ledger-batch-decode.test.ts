// Differential test of the hub's ledger batch decode (protocol/ledger-batch-decode.ts) against zod's runtime parse: same accept/reject, same value, same error text.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { LedgerBatchSchema, decodeMessage, type Fact, type LedgerEntry } from "./messages.js";
import { CompiledLedgerBatchSchema, decodeLedgerBatch, ledgerBatchCompiled } from "./ledger-batch-decode.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Decoder = (text: string) => unknown;
type Outcome = { ok: true; value: unknown; text: string } | { ok: false; error: string };

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const HASH = "ab".repeat(32);
const TOKEN = "Qm9vay1yZWNlaXB0LXRva2VuMDE";

// Facts as the kiosks send them (shapes of hub/ingest-facts.test.ts, hub/ingest-cards.test.ts, hub/backoffice/claims.testkit.ts, bench/ingest-path.bench.ts).
const FACTS: Array<Record<string, Json>> = [
  {
    type: "sale",
    saleId: "k1-sale-1",
    memberId: "m1",
    cardId: "C0001",
    lines: [
      { sku: "rice-5kg", qty: 2 },
      { sku: "milk-1l", qty: 1 },
    ],
    hints: { subtotalFen: 13970, totalFen: 12573, savingsFen: 1397, pointsEarned: 125 },
    tenders: [{ kind: "external", amountFen: 12573 }],
    offlineApproved: false,
    catalogVersion: 3,
  },
  // Every optional field of a sale, a scale label, a shopping card and balance, no offlineApproved (defaulted).
  {
    type: "sale",
    saleId: "k1-sale-2",
    memberId: "m1",
    cardId: "C0001",
    lines: [{ sku: "pork-loin", qty: 1, scaleLabel: "2812345012345" }],
    hints: { subtotalFen: 5990, totalFen: 5391, savingsFen: 599, pointsEarned: 53 },
    tenders: [
      { kind: "shopping-card", amountFen: 2000, cardId: "SC-00017" },
      { kind: "balance", amountFen: 3000 },
      { kind: "points", amountFen: 391 },
    ],
    authorization: { requestId: "auth-77", mode: "online" },
    coupons: ["cp-1", "cp-2"],
    pointsRedeemed: 3910,
    balanceSplit: { principalFen: 2500, bonusFen: 500 },
    receiptToken: TOKEN,
  },
  {
    type: "return",
    returnId: "r1",
    saleId: "sale-1",
    memberId: "m1",
    cardId: "C0001",
    staffId: "s1",
    lines: [{ index: 0, qty: 1 }],
    hints: { refundFen: 5391, principalFen: 5391, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 1 },
    couponsRestored: [{ instanceId: "ci-1", couponId: "welcome", validFrom: "2026-11-01", expiresOn: "2026-12-31" }],
  },
  // A return without couponsRestored (defaulted) and with a shopping card's share.
  {
    type: "return",
    returnId: "r2",
    saleId: "sale-2",
    memberId: "m1",
    cardId: "C0001",
    staffId: "st1",
    lines: [
      { index: 199, qty: 999 },
      { index: 0, qty: 1 },
    ],
    hints: { refundFen: 0, principalFen: 0, bonusFen: 0, externalFen: 0, pointsCashFen: 0, shoppingCardFen: 2000, pointsGivenBack: 0, pointsTakenBack: 0 },
  },
  { type: "gate_entry", memberId: "m1", cardId: "C0001", admitted: false, reason: "expired", cardClass: "vip-gold", vipExpiresAt: T0 - 1 },
  { type: "gate_entry", memberId: "m2", cardId: "C0002", admitted: true, primaryMemberId: "m1", cardClass: "副卡" },
  { type: "verification", requestId: "v-1", memberId: "m1", cardId: "C0001", staffId: "s7", decision: "approved", reasons: ["card-class"] },
  {
    type: "verification",
    requestId: "v-2",
    memberId: "m1",
    cardId: "C0001",
    staffId: "s7",
    decision: "rejected",
    reasons: ["card-class", "secondary-card", "first-use-of-day", "random"],
    headshotHash: HASH,
    note: "照片不符 photo does not match",
  },
  {
    type: "claim",
    claimId: "c-1",
    memberId: "m1",
    cardId: "C0001",
    lines: [
      { sku: "formula-900g", qty: 1 },
      { sku: "rice-5kg", qty: 2, scaleLabel: "2000001000000" },
    ],
    coupons: ["cp-9"],
    hints: { subtotalFen: 5990, totalFen: 5391, savingsFen: 599, pointsEarned: 0 },
    expiresAt: T0 + 3600_000,
    catalogVersion: 7,
  },
  // A claim without coupons (defaulted).
  {
    type: "claim",
    claimId: "c-2",
    memberId: "m1",
    cardId: "C0001",
    lines: [{ sku: "rice-5kg", qty: 1 }],
    hints: { subtotalFen: 0, totalFen: 0, savingsFen: 0, pointsEarned: 0 },
    expiresAt: 0,
  },
];

const entryOf = (fact: Json, seq = 1): Record<string, Json> => ({ seq, entryId: `e-${seq}`, at: T0 + seq, configVersion: 2, fact });
const batchOf = (...facts: Json[]): Record<string, Json> => ({ entries: facts.map((f, i) => entryOf(f, i + 1)) });

function outcome(decode: Decoder, text: string): Outcome {
  try {
    const value = decode(text);
    return { ok: true, value, text: JSON.stringify(value) };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name} ${(err as { code?: string }).code ?? ""}: ${(err as Error).message}` };
  }
}

const zodDecode: Decoder = (text) => decodeMessage(LedgerBatchSchema, text);
const zodOutcomes = new Map<string, Outcome>();
const zodOutcome = (text: string): Outcome => zodOutcomes.get(text) ?? zodOutcomes.set(text, outcome(zodDecode, text)).get(text)!;

/** The cases where `decode` and zod's runtime parse differ: accept/reject, the value (deep and with key order), or the error text. */
function disagreements(decode: Decoder, texts: Iterable<string>, limit = Infinity): string[] {
  const out: string[] = [];
  for (const text of texts) {
    if (out.length >= limit) break;
    const want = zodOutcome(text);
    const got = outcome(decode, text);
    const same = want.ok && got.ok ? want.text === got.text && deepEqual(want.value, got.value) : !want.ok && !got.ok && want.error === got.error;
    if (!same) out.push(`${text.slice(0, 300)}\n  zod: ${JSON.stringify(want).slice(0, 300)}\n  got: ${JSON.stringify(got).slice(0, 300)}`);
  }
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(b).toStrictEqual(a);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- mutations

const clone = <T>(v: T): T => structuredClone(v);
type Path = Array<string | number>;

function allPaths(v: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...allPaths(x, [...at, i]));
  } else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...allPaths(x, [...at, k]));
  return out;
}

function setAt(root: Json, path: Path, f: (parent: Record<string | number, Json>, key: string | number) => void): Json {
  const copy = clone(root);
  let node = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  f(node, path[path.length - 1]!);
  return copy;
}

const emoji = "😀";
/** Values put in place of each field: wrong types, edges of the number and string checks, unicode. */
const REPLACEMENTS: Json[] = [
  null,
  true,
  false,
  0,
  -0,
  1,
  -1,
  1.5,
  -1.5,
  199,
  200,
  999,
  1000,
  1e21,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  Number.MAX_VALUE,
  5e-324,
  "",
  "x",
  "1",
  "sale",
  "return",
  "gate_entry",
  "claim",
  "verification",
  "shopping-card",
  "balance",
  "online",
  "approved",
  "random",
  "expired",
  "a".repeat(64),
  "a".repeat(65),
  "b".repeat(200),
  "b".repeat(201),
  emoji.repeat(64),
  emoji.repeat(65),
  emoji.repeat(200),
  "\uD800".repeat(65),
  "会员".repeat(32),
  "会员".repeat(33),
  "abc\n",
  "ab c",
  "2812345012345",
  "281234501234",
  "28123450123456",
  "２８１２３４５０１２３４５",
  HASH,
  HASH.toUpperCase(),
  TOKEN,
  "A".repeat(21),
  "A".repeat(43),
  "A".repeat(44),
  [],
  [1],
  ["x"],
  ["card-class", "card-class", "random", "random"],
  ["card-class", "card-class", "random", "random", "random"],
  {},
  { kind: "external", amountFen: 1 },
];

/** Every field removed, replaced, every object given extra keys, every array emptied, doubled, stretched. */
function* mutations(batch: Json): Generator<Json> {
  for (const path of allPaths(batch)) {
    if (path.length === 0) continue;
    const key = path[path.length - 1]!;
    if (typeof key === "string") yield setAt(batch, path, (p, k) => void delete p[k]);
    else yield setAt(batch, path, (p) => void (p as unknown as Json[]).splice(Number(key), 1));
    for (const r of REPLACEMENTS) yield setAt(batch, path, (p, k) => void (p[k] = clone(r)));
  }
  for (const path of allPaths(batch)) {
    let node = batch as Json;
    for (const k of path) node = (node as Record<string | number, Json>)[k]!;
    if (Array.isArray(node)) {
      for (const n of [0, 1, 2, 4, 5, 50, 51, 200, 201]) {
        yield setAt(
          batch,
          [...path, "_"],
          (p) =>
            void Object.assign(
              p,
              { length: 0 },
              Array.from({ length: n }, (_, i) => clone(node[i % node.length] ?? 1)),
            ),
        );
      }
      yield setAt(batch, [...path, "_"], (p) => void (p as unknown as Json[]).push("x"));
    } else if (node !== null && typeof node === "object") {
      yield setAt(batch, [...path, "_"], (p) => void Object.assign(p, { extra: 1 }));
      yield setAt(batch, [...path, "_"], (p) => void Object.assign(p, { extra: { deep: [1] }, zz: null }));
      // An own "__proto__" key, as JSON.parse makes one.
      yield setAt(batch, [...path, "_"], (p) => void Object.defineProperty(p, "__proto__", { value: { type: "sale" }, enumerable: true }));
    }
  }
}

const fixtureBatches = (): Json[] => [...FACTS.map((f) => batchOf(f)), batchOf(...FACTS)];

let mutated: string[] | undefined;
/** The mutations of each fact's one-entry batch and of a two-entry batch (a sale after a claim): the entries' context without each fact's mutations twice. */
function mutationTexts(): string[] {
  if (mutated) return mutated;
  mutated = [];
  for (const batch of [...FACTS.map((f) => batchOf(f)), batchOf(FACTS[8]!, FACTS[0]!)]) for (const m of mutations(batch)) mutated.push(JSON.stringify(m));
  return mutated;
}

/** Texts a JSON value cannot be written as: numbers out of range (Infinity after JSON.parse), -0, exponents, not JSON at all. */
function rawTexts(): string[] {
  const sale = JSON.stringify(batchOf(FACTS[0]!));
  const swaps: Array<[string, string]> = [
    ['"qty":2', '"qty":1e400'],
    ['"qty":2', '"qty":-1e400'],
    ['"qty":2', '"qty":2.0'],
    ['"qty":2', '"qty":2e0'],
    ['"qty":2', '"qty":-0'],
    ['"seq":1', '"seq":1e400'],
    ['"seq":1', '"seq":1.0000000000000001'],
    ['"seq":1', '"seq":9007199254740993'],
    ['"at":', '"at":-0,"x":'],
    ['"amountFen":12573', '"amountFen":-0'],
    ['"amountFen":12573', '"amountFen":1e400'],
    ['"amountFen":12573', '"amountFen":12573.0000000000001'],
    ['"catalogVersion":3', '"catalogVersion":-0'],
    ['"saleId":"k1-sale-1"', '"saleId":"k1-sale-1\\u0000"'],
    ['"saleId":"k1-sale-1"', '"saleId":"\\u006b1"'],
    ['"offlineApproved":false', '"offlineApproved":"false"'],
    ['"offlineApproved":false', '"offlineApproved":0'],
    // Duplicate keys: the last one wins in JSON.parse, for both.
    ['"memberId":"m1"', '"memberId":"m1","memberId":"bad id"'],
    ['"memberId":"m1"', '"memberId":"bad id","memberId":"m1"'],
  ];
  const out = swaps.map(([from, to]) => {
    if (!sale.includes(from)) throw new Error(`fixture has no ${from}`);
    return sale.replace(from, to);
  });
  return [...out, "", "{nope", "null", "[]", "1", '"x"', "true", "{}", '{"entries":null}', '{"entries":{}}', sale.slice(0, -1)];
}

// ---------------------------------------------------------------- tests

describe("decodeLedgerBatch against zod's runtime parse of LedgerBatchSchema", () => {
  it("zod compiled the schema (otherwise every batch takes the slow path)", () => {
    expect(ledgerBatchCompiled).toBe(true);
    expect(CompiledLedgerBatchSchema).not.toBe(LedgerBatchSchema);
  });

  it("accepts every fact shape and returns zod's value, defaults and key order included", () => {
    const texts = fixtureBatches().map((b) => JSON.stringify(b));
    expect(disagreements(decodeLedgerBatch, texts)).toEqual([]);
    // The fixtures are valid, and the defaults show in the value.
    const all = decodeLedgerBatch(JSON.stringify(batchOf(...FACTS)));
    const facts = all.entries.map((e: LedgerEntry) => e.fact) as Fact[];
    expect(facts.map((f) => f.type)).toEqual(FACTS.map((f) => f.type));
    expect((facts[1] as Extract<Fact, { type: "sale" }>).offlineApproved).toBe(false);
    expect((facts[3] as Extract<Fact, { type: "return" }>).couponsRestored).toEqual([]);
    expect((facts[9] as Extract<Fact, { type: "claim" }>).coupons).toEqual([]);
  });

  it("agrees on every mutation: fields removed, wrong types, number and string edges, unicode, extra keys, array sizes", () => {
    const texts = mutationTexts();
    expect(texts.length).toBeGreaterThan(10_000);
    const wrong = disagreements(decodeLedgerBatch, texts);
    expect(wrong.slice(0, 5)).toEqual([]);
    // Both outcomes occur in bulk: the mutations reach past the first check.
    const accepted = texts.filter((t) => zodOutcome(t).ok).length;
    expect(accepted).toBeGreaterThan(1_000);
    expect(texts.length - accepted).toBeGreaterThan(5_000);
  });

  it("agrees on texts no JSON value writes: huge numbers (Infinity), -0, exponents, duplicate keys, not JSON", () => {
    expect(disagreements(decodeLedgerBatch, rawTexts())).toEqual([]);
  });

  it("agrees on 1, 500 and 501 entries and on an error deep in entry 499's lines", () => {
    const big = (n: number): Record<string, Json> => ({ entries: Array.from({ length: n }, (_, i) => entryOf(clone(FACTS[i % FACTS.length]!), i + 1)) });
    const deep = big(500);
    (((deep.entries as Json[])[498] as Record<string, Record<string, Json[]>>).fact!.lines![0] as Record<string, Json>).qty = 0;
    const texts = [big(1), big(500), big(501), deep, { entries: [] }].map((b) => JSON.stringify(b));
    expect(disagreements(decodeLedgerBatch, texts)).toEqual([]);
    expect(outcome(decodeLedgerBatch, texts[1]!).ok).toBe(true);
    expect(outcome(decodeLedgerBatch, texts[3]!)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/SCHEMA_INVALID.*entries\[498\]\.fact\.lines\[0\]\.qty/s),
    });
  });

  it("agrees on random JSON put anywhere in a valid batch (fast-check, seeded)", () => {
    const batches = fixtureBatches();
    const arb = fc
      .record({ b: fc.nat(batches.length - 1), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, remove: fc.boolean() })
      .map(({ b, at, value, remove }) => {
        const batch = batches[b]!;
        const paths = allPaths(batch).filter((p) => p.length > 0);
        const path = paths[at % paths.length]!;
        return JSON.stringify(setAt(batch, path, (p, k) => void (remove && typeof k === "string" ? delete p[k] : (p[k] = value))));
      });
    fc.assert(
      fc.property(arb, (text) => disagreements(decodeLedgerBatch, [text]).length === 0),
      { seed: 21, numRuns: 3000 },
    );
  });

  it("the comparison catches decoders that differ from zod (so a zero above means something)", () => {
    const texts = [...mutationTexts(), ...rawTexts()];
    // Accepts what zod accepts but returns the input: unknown keys kept, defaults missing.
    const unstripped: Decoder = (text) => {
      zodDecode(text);
      return JSON.parse(text);
    };
    // Measures cardClass in UTF-16 units instead of code points.
    const utf16: Decoder = (text) => {
      const batch = decodeLedgerBatch(text);
      if (batch.entries.some((e) => e.fact.type === "gate_entry" && e.fact.cardClass.length > 64)) throw new Error("cardClass too long");
      return batch;
    };
    // Lets a shopping-card tender through without its card.
    const noRefinement: Decoder = (text) => {
      try {
        return decodeLedgerBatch(text);
      } catch {
        const json = JSON.parse(text) as { entries?: Array<{ fact?: { tenders?: Array<{ kind?: string; cardId?: string }> } }> };
        for (const t of json.entries?.flatMap((e) => e.fact?.tenders ?? []) ?? []) if (t.kind === "shopping-card" && t.cardId === undefined) t.cardId = "X";
        return decodeLedgerBatch(JSON.stringify(json));
      }
    };
    // Accepts 501 entries by dropping the last.
    const truncating: Decoder = (text) => {
      const json = JSON.parse(text) as { entries?: unknown };
      if (Array.isArray(json.entries) && json.entries.length === 501) json.entries.pop();
      return decodeLedgerBatch(JSON.stringify(json));
    };
    expect(disagreements(unstripped, texts, 1)).toHaveLength(1);
    expect(disagreements(utf16, texts, 1)).toHaveLength(1);
    expect(disagreements(noRefinement, texts, 1)).toHaveLength(1);
    expect(disagreements(truncating, [JSON.stringify({ entries: Array.from({ length: 501 }, (_, i) => entryOf(FACTS[0]!, i + 1)) })]).length).toBe(1);
  });
});
