// Bulk member import over HTTP: the CSV or XLSX upload is spooled to disk, read as a stream of rows (member-import.ts), and created in batches, each row all-or-nothing.
//
// Any size: the body is never held in memory, rows are read one at a time, and members are
// created in transactions of IMPORT_BATCH_MAX rows, one statement per table per batch after every
// row is checked (member-bulk.ts; row by row with a savepoint each if a batch fails), so a bad row
// changes nothing and the kiosks get one push per batch. The answer lists every rejected row.
// A store manager's import creates members of their store only and cannot set HQ-only columns;
// opening balances and points are ledger moves (reason `import`), so balance = sum of the log.
// Old-system columns (Chinese headers, phone, gender, birth and issue dates, cumulative spend and
// top-up; the table is member-import-columns.ts) go to the profile and member_openings.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { z } from "zod";
import { IMPORT_BATCH_MAX, ImportError, memberFromCells, readMemberRows, type ImportExtras, type RowResult } from "../member-import.js";
import { importRows } from "../member-bulk.js";
import { HQ_ONLY_FIELDS } from "../member-import-columns.js";
import type { NewMember } from "../members.js";
import { HubError } from "../errors.js";
import { MANAGERS, isHq, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";
import { defaultLevelFor } from "../../protocol/rules/levels.js";
import { sealedCardKey } from "./members.js";

const TYPES = ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"] as const;

export interface ImportSummary {
  rows: number;
  imported: number;
  rejected: number;
  /** Header cells that are not member columns. */
  ignoredColumns: string[];
  seconds: number;
  rowsPerSecond: number;
  errors: RowResult[];
}

/** Writes the request body to `path`, refusing more than `max` bytes. */
export async function spool(body: ReadableStream<Uint8Array> | null, path: string, max: number): Promise<number> {
  const out = createWriteStream(path, { mode: 0o600 });
  let size = 0;
  try {
    if (body) {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) throw new HubError("TOO_LARGE", `an import file may be at most ${max} bytes`);
        if (!out.write(chunk)) await once(out, "drain");
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return size;
}

/** Columns only HQ may fill: a store manager's row with one of them is refused, naming it (the table: member-import-columns.ts). */
export const HQ_ONLY_COLUMNS = HQ_ONLY_FIELDS;

type Pending = { row: number; member: NewMember; extras: ImportExtras; keyless: boolean };

/**
 * Imports the rows of a file already on disk. `hq` false (a store manager): the members belong to
 * `storeId` only, take the rules' default level and card class, and a row that sets an HQ-only
 * column (other than to those defaults) is refused. Opening balances and points (HQ only) are
 * written to the money ledger (balance_log / points_log, reason `import`) with the row, so the
 * member's balance is the sum of its log like after any other move. Phone, gender, birth date and
 * card issue date go on the profile; cumulative spend and top-up to member_openings (level metrics).
 */
export async function importFile(
  d: BackofficeDeps,
  /** `rowByRow`: the savepoint-per-row path only (tests compare it with the batched one). */
  o: { path: string; format: "csv" | "xlsx"; storeId: string | null; actor: Actor; hq: boolean; rowByRow?: boolean },
): Promise<ImportSummary> {
  const started = performance.now();
  const rules: RulesConfig = d.rules.forStore(o.storeId);
  // A level or card class by its id or by its name in the rules (old systems export names: 金卡).
  const levels = new Map<string, string>();
  for (const l of rules.levels) levels.set(l.name, l.id);
  for (const l of rules.levels) levels.set(l.id, l.id);
  const classes = new Map<string, string>();
  for (const c of rules.cardClasses) classes.set(c.name, c.id);
  for (const c of rules.cardClasses) classes.set(c.id, c.id);
  const today = d.rules.storeDay(o.storeId, d.clock.now());
  const defaults = { levelId: defaultLevelFor(rules, "till")?.id, cardClass: d.settings.get().defaultCardClass };
  if (!o.hq && !o.storeId) throw new HubError("FORBIDDEN", "a store manager imports for one of their stores: give storeId");
  const errors: RowResult[] = [];
  let rows = 0;
  let imported = 0;
  let pending: Pending[] = [];
  const ignoredColumns: string[] = [];

  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    // One statement per table per batch (member-bulk.ts); a batch that fails unexpectedly runs row by row.
    const results = importRows(d, batch, { storeId: o.storeId, actor: o.actor, today }, { rowByRow: o.rowByRow === true });
    results.forEach((r, i) => {
      const row = batch[i]!.row;
      if (r.ok) imported++;
      else {
        const code = r.error instanceof HubError ? r.error.code : "INTERNAL";
        errors.push({ row, ok: false, code, message: r.error instanceof HubError ? r.error.message.slice(0, 300) : "could not be stored" });
      }
    });
  };

  try {
    // onHeader makes the reader check the header (required columns) before any row.
    for await (const src of readMemberRows(o.path, { format: o.format, onHeader: (unknown) => void ignoredColumns.push(...unknown) })) {
      rows++;
      const parsed = memberFromCells(src.cells);
      if (!parsed.ok) {
        errors.push({ row: src.row, ok: false, code: "INVALID_INPUT", message: parsed.message });
        continue;
      }
      const refuse = (code: string, message: string): void => void errors.push({ row: src.row, ok: false, code, message });
      const { member: m, extras, headers } = parsed;
      if (levels.size > 0 && typeof m.levelId === "string") {
        const id = levels.get(m.levelId);
        if (!id) {
          refuse("INVALID_INPUT", `levelId: no level '${m.levelId}' in the rules`);
          continue;
        }
        m.levelId = id;
      }
      if (classes.size > 0 && typeof m.cardClass === "string") {
        const id = classes.get(m.cardClass);
        if (!id) {
          refuse("INVALID_INPUT", `cardClass: no card class '${m.cardClass}' in the rules`);
          continue;
        }
        m.cardClass = id;
      }
      if (extras.cardIssuedOn !== undefined && extras.cardIssuedOn > today) {
        refuse("INVALID_INPUT", `cardIssuedOn: ${extras.cardIssuedOn} is after today (${today})`);
        continue;
      }
      if (!o.hq) {
        const values: Record<string, unknown> = { ...m, ...extras };
        const field = HQ_ONLY_COLUMNS.find((f) => values[f] !== undefined && !((f === "levelId" || f === "cardClass") && values[f] === defaults[f]));
        if (field) {
          const named = headers[field] !== undefined && headers[field] !== field ? `（表头 column「${headers[field]}」）` : "";
          refuse(
            "FORBIDDEN",
            `${field}: 只有总部可以设置此列${named}。only HQ may set ${field}; leave the column out (store imports get the default level and card class, no opening balance, points or cumulative figures)`,
          );
          continue;
        }
        m.stores = [o.storeId];
      }
      m.levelId ??= defaults.levelId;
      m.cardClass ??= defaults.cardClass;
      const keyless = m.cardPublicKey === undefined;
      if (keyless) m.cardPublicKey = sealedCardKey();
      pending.push({ row: src.row, member: m as unknown as NewMember, extras, keyless });
      if (pending.length >= IMPORT_BATCH_MAX) flush();
    }
    flush();
  } catch (err) {
    if (err instanceof ImportError) throw new HubError("INVALID_INPUT", `${err.code}: ${err.message.replace(o.path, "the file")}`, { reason: err.code });
    throw err;
  }
  errors.sort((a, b) => a.row - b.row);
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    imported,
    rejected: errors.length,
    ignoredColumns,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
    errors,
  };
}

export function registerImportRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "post",
      path: "/members/import",
      tag: "members",
      summary: "Bulk import members from a CSV or XLSX file (streamed, any size); one result per rejected row",
      description:
        "The body is the file (text/csv or the XLSX type; `format` says which when sent as application/octet-stream). Columns by name, in English or as an old system's Chinese headers (docs/backoffice.md, Import): memberId, cardId, name (required), levelId, cardClass, cardPublicKey, status, pointsBalance, balanceFen, vipExpiresAt, headshotHash, birthday, birthDate, phone, gender, cardIssuedOn, cumulativeSpendFen, cumulativeTopUpFen. Without cardPublicKey the member activates the member app later (POST /bo/members/:id/activation). Each row is created completely or not at all; rows are committed in batches of 500 and pushed to the kiosks once per batch. HQ imports for the chain; a store manager imports members of their store (`storeId`): the members belong to that store only, and a row that sets levelId or cardClass (other than the defaults), pointsBalance, balanceFen, vipExpiresAt, cumulativeSpendFen or cumulativeTopUpFen is refused (FORBIDDEN, naming the column). Opening balances and points are written through the money ledger (reason `import`); cumulative spend and top-up count in the level metrics; the card issue date decides whether the member is new.",
      roles: MANAGERS,
      query: z.strictObject({ storeId: Id.optional(), format: z.enum(["csv", "xlsx"]).optional() }),
      bodyKind: "binary",
      bodyTypes: TYPES,
      errors: { 413: "larger than settings.import.maxBytes", 415: "not a CSV or XLSX content type" },
    },
    async ({ c, query, principal, actor }) => {
      if (query.storeId) requireStore(principal, query.storeId);
      else if (!isHq(principal)) throw new HubError("FORBIDDEN", "a store manager imports for one of their stores: give storeId");
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      const format = query.format ?? (type === "text/csv" ? "csv" : type.includes("spreadsheetml") ? "xlsx" : undefined);
      if (!format) throw new HubError("INVALID_INPUT", "query.format: say csv or xlsx for an application/octet-stream body");
      const maxBytes = d.settings.get().import.maxBytes;
      const declared = c.req.header("content-length");
      if (declared !== undefined && !(Number(declared) <= maxBytes))
        throw new HubError("TOO_LARGE", `an import file may be at most ${maxBytes} bytes: split the file`);
      const dir = mkdtempSync(join(d.tmpDir, "import-"));
      try {
        const path = join(dir, `upload.${format}`);
        const bytes = await spool(c.req.raw.body, path, maxBytes);
        if (bytes === 0) throw new HubError("INVALID_INPUT", "the file is empty");
        const summary = await importFile(d, { path, format, storeId: query.storeId ?? null, actor, hq: isHq(principal) });
        d.log.info(
          { rows: summary.rows, imported: summary.imported, rejected: summary.rejected, rowsPerSecond: summary.rowsPerSecond, actor: actor.id },
          "member import done",
        );
        return summary;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
