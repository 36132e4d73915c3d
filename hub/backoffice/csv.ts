// CSV export of report tables: RFC 4180 quoting, CRLF rows, a UTF-8 byte order mark (Excel opens Chinese text correctly), no formula injection.
import type { Context } from "hono";
import { z } from "zod";

/** The `format` query parameter of a report route: json (default) or csv. */
export const Format = z.enum(["json", "csv"]).default("json");

export type CsvCell = string | number | boolean | null | undefined;

/** One field: numbers as they are; text quoted when it holds a comma, quote, CR or LF; text a spreadsheet would run as a formula (not a plain negative number) gets a leading '. */
export function csvField(v: CsvCell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  let s = v;
  if (/^[=+\-@\t\r]/.test(s) && !/^-\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The whole file: BOM, the header row, then one row per record. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  const lines = [header.map(csvField).join(","), ...rows.map((r) => r.map(csvField).join(","))];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/** A download answer: text/csv in UTF-8, saved under `filename` (ASCII letters, digits, - _ . only). */
export function csvResponse(c: Context, filename: string, text: string): Response {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, "_");
  return c.body(text, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${safe}"`, "cache-control": "no-store" });
}

/** Fen as yuan with two decimals (what a spreadsheet user expects in a money column). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}
