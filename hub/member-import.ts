// Member import: CSV or XLSX read as a stream (row by row, never whole), rows mapped to members, and the hub route that creates each row all-or-nothing with a per-row result.
//
// `hubctl members import` reads the file and sends rows in batches to `POST /members/import`; the
// hub creates each member in its own savepoint (MemberRegistry.createMany), so a row is either fully
// in or not at all, and answers one result per row. Opening balances and points are written to the
// money ledger (reason `import`) with the row. Nothing here logs a row's content.
import { createReadStream } from "node:fs";
import type { Hono } from "hono";
import { parse } from "csv-parse";
import type ExcelJS from "exceljs";
import type { MemberRegistry, NewMember } from "./members.js";
import type { MemberRecord } from "../protocol/messages.js";
import { HubError } from "./errors.js";
import { IMPORT_COLUMNS, IMPORT_FIELDS, REQUIRED_FIELDS, columnOf, readCell, type ImportField } from "./member-import-columns.js";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";

/** Columns a file may have (names and Chinese headers: member-import-columns.ts, the one table). */
export const MEMBER_COLUMNS = IMPORT_FIELDS;

export const IMPORT_BATCH_MAX = 500;

export type ImportErrorCode = "IMPORT_FILE_UNREADABLE" | "IMPORT_FORMAT_UNKNOWN" | "IMPORT_HEADER_INVALID";

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImportError";
  }
}

/** One data row: its 1-based line in the file (the header is row 1) and its cells by column. */
export interface SourceRow {
  row: number;
  cells: Record<string, string>;
}

export interface RowResult {
  row: number;
  ok: boolean;
  memberId?: string;
  code?: string;
  message?: string;
}

/** Maps header cells to member columns; throws when a required one is missing or two name the same column. Unknown columns are returned, not fatal. */
export function mapHeader(header: readonly string[]): { columns: Array<ImportField | undefined>; unknown: string[] } {
  const columns = header.map((h) => columnOf(h)?.field);
  const missing = REQUIRED_FIELDS.filter((r) => !columns.includes(r));
  if (missing.length > 0) throw new ImportError("IMPORT_HEADER_INVALID", `missing column(s): ${missing.join(", ")} (expected ${IMPORT_FIELDS.join(", ")})`);
  const twice = IMPORT_FIELDS.find((f) => columns.filter((c) => c === f).length > 1);
  if (twice) {
    const names = header.filter((_h, i) => columns[i] === twice);
    throw new ImportError("IMPORT_HEADER_INVALID", `columns ${names.join(", ")} all mean ${twice}: keep one`);
  }
  const unknown = header.filter((_h, i) => columns[i] === undefined && header[i] !== "");
  return { columns, unknown };
}

/** What a row gives beyond the member record: the back office's profile and the opening figures. */
export interface ImportExtras {
  phone?: string;
  gender?: "female" | "male" | "other" | null;
  birthDate?: string;
  cardIssuedOn?: string;
  cumulativeSpendFen?: number;
  cumulativeTopUpFen?: number;
}

/**
 * Turns one row's cells into a member draft (record fields; the hub validates it fully,
 * MemberRecordSchema), the extras (profile, opening figures), and the header each field came from.
 */
export function memberFromCells(
  cells: Readonly<Record<string, string>>,
): { ok: true; member: Record<string, unknown>; extras: ImportExtras; headers: Partial<Record<ImportField, string>> } | { ok: false; message: string } {
  const member: Record<string, unknown> = {};
  const extras: Record<string, unknown> = {};
  const headers: Partial<Record<ImportField, string>> = {};
  for (const [col, raw] of Object.entries(cells)) {
    const c = columnOf(col);
    const v = raw.trim();
    if (!c || v === "") continue;
    const r = readCell(c.field, c.yuan, v);
    if ("error" in r) return { ok: false, message: col === c.field ? r.error : `${r.error} (column ${col})` };
    headers[c.field] = col;
    if (c.field === "birthday") {
      const b = r.value as { birthday: string; birthDate?: string };
      member.birthday = b.birthday;
      if (b.birthDate) extras.birthDate ??= b.birthDate;
    } else if (IMPORT_COLUMNS[c.field].to === "record") member[c.field] = r.value;
    else extras[c.field] = r.value;
  }
  // A full birth date gives the record's MM-DD birthday when no birthday column says otherwise.
  if (typeof extras.birthDate === "string" && member.birthday === undefined) member.birthday = extras.birthDate.slice(5);
  return { ok: true, member, extras: extras as ImportExtras, headers };
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    if ("richText" in v) return v.richText.map((t) => t.text).join("");
    if ("result" in v) return v.result === undefined ? "" : cellText(v.result as ExcelJS.CellValue);
    if ("text" in v && typeof v.text === "string") return v.text;
    if ("error" in v) return "";
  }
  return "";
}

function formatOf(path: string, format: string | undefined): "csv" | "xlsx" {
  const f = (format ?? path.split(".").pop() ?? "").toLowerCase();
  if (f === "csv" || f === "txt") return "csv";
  if (f === "xlsx") return "xlsx";
  throw new ImportError("IMPORT_FORMAT_UNKNOWN", `cannot tell the format of ${path}: use .csv or .xlsx (or --format)`);
}

/**
 * Reads a member file as a stream of rows (header first, mapped by name). `onHeader` gets the unknown
 * columns. A blank row is skipped.
 */
export function readMemberRows(path: string, opts: { format?: string; onHeader?: (unknown: string[]) => void } = {}): AsyncGenerator<SourceRow> {
  return readSheetRows(path, { format: opts.format, onHeader: (header) => opts.onHeader?.(mapHeader(header).unknown) });
}

/**
 * The streaming CSV/XLSX reader itself, for any kind of rows (members here, the catalog in
 * backoffice/catalog-import.ts): `onHeader` gets the header cells and may throw to refuse the file.
 */
export async function* readSheetRows(path: string, opts: { format?: string; onHeader?: (header: string[]) => void } = {}): AsyncGenerator<SourceRow> {
  const format = formatOf(path, opts.format);
  let header: string[] | undefined;
  const toRow = (row: number, values: readonly string[]): SourceRow | undefined => {
    if (!header) {
      header = values.map((v) => v.trim().replace(/^\uFEFF/, ""));
      opts.onHeader?.(header);
      return undefined;
    }
    if (values.every((v) => v.trim() === "")) return undefined;
    const cells: Record<string, string> = {};
    header.forEach((h, i) => {
      if (h) cells[h] = values[i] ?? "";
    });
    return { row, cells };
  };
  try {
    if (format === "csv") {
      const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false, trim: false }));
      let line = 0;
      for await (const record of parser as AsyncIterable<string[]>) {
        line++;
        const r = toRow(line, record);
        if (r) yield r;
      }
    } else {
      // Loaded on demand: the hub itself never needs it.
      const { default: excel } = await import("exceljs");
      const reader = new excel.stream.xlsx.WorkbookReader(path, {
        worksheets: "emit",
        sharedStrings: "cache",
        hyperlinks: "ignore",
        styles: "ignore",
        entries: "emit",
      });
      for await (const sheet of reader) {
        for await (const row of sheet) {
          const raw = Array.isArray(row.values) ? (row.values as ExcelJS.CellValue[]).slice(1) : [];
          const values = Array.from({ length: raw.length }, (_v, i) => cellText(raw[i]));
          const r = toRow(row.number, values);
          if (r) yield r;
        }
        break; // the first sheet only
      }
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError("IMPORT_FILE_UNREADABLE", `cannot read ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  if (!header) throw new ImportError("IMPORT_HEADER_INVALID", `${path} has no header row`);
}

/**
 * Creates the rows in batched transactions, each row behind its own savepoint (a bad row changes
 * nothing, the good ones around it stay), with one kiosk push per batch; one result per row, in order.
 */
export function importMembers(members: MemberRegistry, rows: ReadonlyArray<{ row: number; member: unknown }>, ledger: OpeningLedger): RowResult[] {
  const results: Array<RowResult | undefined> = rows.map(({ row, member }) =>
    typeof member !== "object" || member === null || Array.isArray(member)
      ? { row, ok: false, code: "INVALID_INPUT", message: "member must be an object" }
      : undefined,
  );
  const pending = rows.flatMap((r, i) => (results[i] === undefined ? [{ index: i, input: r.member as NewMember }] : []));
  // Opening balance and points become ledger entries inside each row's savepoint.
  const created = members.createMany(
    pending.map((p) => p.input),
    { onCreatedInTx: (m) => recordOpeningInTx(ledger.db, ledger.clock, m) },
  );
  created.forEach((outcome, k) => {
    const { index } = pending[k]!;
    const row = rows[index]!.row;
    if (outcome.ok) results[index] = { row, ok: true, memberId: outcome.member.memberId };
    else if (outcome.error instanceof HubError) results[index] = { row, ok: false, code: outcome.error.code, message: outcome.error.message.slice(0, 300) };
    else results[index] = { row, ok: false, code: "INTERNAL", message: "could not be stored" };
  });
  return results.map((r, i) => r ?? { row: rows[i]!.row, ok: false, code: "INTERNAL", message: "not processed" });
}

/** `POST /members/import {rows: [{row, member}]}` (admin): at most IMPORT_BATCH_MAX rows a request. */
/** Where the opening ledger entries are written (the back office's deps). */
export interface OpeningLedger {
  db: Database;
  clock: Clock;
}

/** Why a new member's opening points and balance are refused (negative), or undefined; the batched import (member-bulk.ts) checks the same. */
export function openingRefusal(m: MemberRecord): HubError | undefined {
  if (m.pointsBalance >= 0 && m.balanceFen >= 0) return undefined;
  return new HubError("REFUSED", "opening pointsBalance and balanceFen may not be negative", { reason: "NEGATIVE_OPENING" });
}

/**
 * Inside a new member's savepoint: its opening points and balance as ledger entries (points_log,
 * balance_log, reason `import`, ref the member id), so balance = the sum of the log from the start.
 * Negative openings are refused (the row is undone); the member row itself holds the same amounts.
 */
export function recordOpeningInTx(db: Database, clock: Clock, m: MemberRecord): void {
  const refused = openingRefusal(m);
  if (refused) throw refused;
  const now = clock.now();
  if (m.pointsBalance !== 0)
    db.prepare("INSERT INTO points_log (member_id, delta, reason, ref, at) VALUES (?, ?, 'import', ?, ?)").run(m.memberId, m.pointsBalance, m.memberId, now);
  if (m.balanceFen !== 0) {
    const bonus = m.bonusBalanceFen ?? 0;
    db.prepare("INSERT INTO balance_log (member_id, delta_fen, bonus_delta_fen, reason, ref, at) VALUES (?, ?, ?, 'import', ?, ?)").run(
      m.memberId,
      m.balanceFen,
      bonus,
      m.memberId,
      now,
    );
  }
}

export function mountMemberImport(members: MemberRegistry, ledger: OpeningLedger) {
  return (app: Hono, requireAdmin: (authorization: string | undefined) => void): void => {
    app.post("/members/import", async (c) => {
      requireAdmin(c.req.header("authorization"));
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new HubError("INVALID_INPUT", "body must be JSON");
      }
      const rows = (body as { rows?: unknown }).rows;
      if (!Array.isArray(rows) || rows.length > IMPORT_BATCH_MAX) throw new HubError("INVALID_INPUT", `rows must be an array of at most ${IMPORT_BATCH_MAX}`);
      const parsed = rows.map((r: unknown, i) => {
        const o = (typeof r === "object" && r !== null ? r : {}) as { row?: unknown; member?: unknown };
        return { row: typeof o.row === "number" ? o.row : i + 1, member: o.member };
      });
      const results = importMembers(members, parsed, ledger);
      return c.json({ results, imported: results.filter((r) => r.ok).length, rejected: results.filter((r) => !r.ok).length });
    });
  };
}
