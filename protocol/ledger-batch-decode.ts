// The hub's boundary check of a kiosk's ledger batch (issue #21): LedgerBatchSchema compiled by zod itself, zod's runtime parse only when the fast path refuses.
//
// What it does: `z.compile(LedgerBatchSchema)` (zod 4.6's ahead-of-time compiler) generates one function
// from the schema that checks the batch and builds the output as the runtime parse does (unknown keys
// stripped, `offlineApproved` / `couponsRestored` / `coupons` defaulted, the tender refinement run,
// string lengths in code points). On anything it refuses, the compiled schema's `safeParse` runs the
// original schema's runtime `safeParse`, so a rejected batch throws the same ProtocolError
// "SCHEMA_INVALID" with zod's own text, exactly as `decodeMessage(LedgerBatchSchema, …)` did.
// protocol/ledger-batch-decode.test.ts checks it against the runtime parse, batch by batch.
//
// Why this and not a hand-written checker or ajv (measured 3 Dec 2026, one 500-sale batch already
// JSON-parsed, load 1.1-1.6): zod runtime 2.0-2.5 ms, z.compile 0.16-0.19 ms, a hand-written checker of
// the sale fact 0.12-0.13 ms (JSON.parse of the same batch: 1.2-1.3 ms). The hand-written one saves a
// further 0.04 ms a batch (under 0.0001 ms per entry, against 0.23 ms of hub CPU per entry), but it is a
// second copy of five fact schemas that must follow every change to protocol/messages.ts: a field added
// there and missed here would be silently stripped. The compiled one is generated from the schema
// itself. ajv (only ajv 6 is in node_modules, through another package) would need z.toJSONSchema
// output it does not read (draft 2020-12), and JSON Schema cannot express the tender refinement or the
// defaults as zod applies them. bench/ledger-decode.bench.ts prints the ratio in one run (load 2.0-2.8:
// decode 4.32 -> 2.18 ms a batch, 0.51x, JSON.parse now the larger half; the check alone 3.29 -> 0.20 ms,
// 0.06x). Compiling costs 10-12 ms once, when the hub first imports this module.
import { z } from "zod";
import { type LedgerBatch, LedgerBatchSchema, decodeMessage } from "./messages.js";

/** LedgerBatchSchema with zod's compiled fast path; the same schema, unchanged, if zod refused to compile it. */
export const CompiledLedgerBatchSchema: typeof LedgerBatchSchema = z.compile(LedgerBatchSchema);

/** False when zod refused to compile the schema (every batch then takes the runtime parse: correct, just slower). */
export const ledgerBatchCompiled: boolean = CompiledLedgerBatchSchema !== LedgerBatchSchema;

/** Parses and validates a ledger batch as `decodeMessage(LedgerBatchSchema, payload)` does: same value, same errors. */
export function decodeLedgerBatch(payload: Uint8Array | string): LedgerBatch {
  return decodeMessage(CompiledLedgerBatchSchema, payload);
}
