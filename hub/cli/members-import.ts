// `hubctl members import`: streams a CSV/XLSX file to the hub in batches, with a progress bar and a per-row error report.
import { createReadStream, statSync, writeFileSync } from "node:fs";
import { IMPORT_BATCH_MAX, ImportError, memberFromCells, readMemberRows, type RowResult } from "../member-import.js";
import { CliError, EXIT, type CliIo, type HubApi } from "./common.js";

export interface ImportOptions {
  file: string;
  format?: string;
  batch: number;
  errorsFile?: string;
  dryRun: boolean;
  json: boolean;
}

export interface ImportSummary {
  file: string;
  rows: number;
  imported: number;
  rejected: number;
  errorsFile: string | null;
  seconds: number;
  dryRun: boolean;
}

/** Counts data lines of a CSV quickly (a total for the progress bar); undefined for XLSX. */
async function countCsvRows(path: string): Promise<number | undefined> {
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const b of chunk) if (b === 10) n++;
    last = chunk[chunk.length - 1] ?? last;
  }
  if (last !== 10) n++;
  return Math.max(0, n - 1);
}

class Progress {
  private lastDraw = 0;
  constructor(
    private readonly io: CliIo,
    private readonly total: number | undefined,
    private readonly enabled: boolean,
    private readonly started = Date.now(),
  ) {}

  draw(done: number, rejected: number, final = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!final && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const rate = Math.round(done / Math.max(0.001, (now - this.started) / 1000));
    let bar = "";
    if (this.total) {
      const ratio = Math.min(1, done / this.total);
      const width = 30;
      const full = Math.round(ratio * width);
      bar = `[${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${this.total}`;
    } else bar = `${done} rows`;
    const line = `${bar}  rejected ${rejected}  ${rate} rows/s`;
    this.io.stderr(this.io.isTTY ? `\r${line}${final ? "\n" : ""}` : final ? `${line}\n` : "");
  }
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function importMembersCommand(api: HubApi, io: CliIo, o: ImportOptions): Promise<{ summary: ImportSummary; exitCode: number }> {
  try {
    statSync(o.file);
  } catch {
    throw new CliError(EXIT.NOT_FOUND, "FILE_NOT_FOUND", `no such file: ${o.file}`);
  }
  if (o.batch < 1 || o.batch > IMPORT_BATCH_MAX) throw new CliError(EXIT.USAGE, "USAGE", `--batch must be 1..${IMPORT_BATCH_MAX}`);
  const started = Date.now();
  const isCsv = (o.format ?? o.file.split(".").pop() ?? "").toLowerCase() === "csv";
  const progress = new Progress(io, isCsv ? await countCsvRows(o.file) : undefined, !o.json, started);
  const failures: RowResult[] = [];
  let rows = 0;
  let imported = 0;
  let pending: Array<{ row: number; member: Record<string, unknown> }> = [];

  const send = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    if (o.dryRun) return;
    const res = await api.call<{ results: RowResult[] }>("POST", "/members/import", { body: { rows: batch }, admin: true });
    for (const r of res.results) {
      if (r.ok) imported++;
      else failures.push(r);
    }
  };

  let extrasNoted = false;
  try {
    for await (const src of readMemberRows(o.file, {
      ...(o.format ? { format: o.format } : {}),
      onHeader: (unknown) => {
        if (unknown.length > 0 && !o.json) io.stderr(`note: ignoring column(s) ${unknown.join(", ")}\n`);
      },
    })) {
      rows++;
      const m = memberFromCells(src.cells);
      if (!m.ok) failures.push({ row: src.row, ok: false, code: "INVALID_INPUT", message: m.message });
      else if (!extrasNoted && Object.keys(m.extras).length > 0 && !o.json) {
        // Profile and opening columns (phone, issue date, cumulative figures...) need the back office's import.
        extrasNoted = true;
        io.stderr(`note: not importing ${Object.keys(m.extras).join(", ")} here: the back-office import (POST /bo/members/import, the console) takes them\n`);
      }
      if (m.ok) pending.push({ row: src.row, member: m.member });
      if (pending.length >= o.batch) await send();
      progress.draw(rows, failures.length);
    }
    await send();
  } catch (err) {
    if (err instanceof ImportError) throw new CliError(err.code === "IMPORT_FILE_UNREADABLE" ? EXIT.NOT_FOUND : EXIT.FAILURE, err.code, err.message);
    throw err;
  }
  progress.draw(rows, failures.length, true);

  failures.sort((a, b) => a.row - b.row);
  let errorsFile: string | null = null;
  if (failures.length > 0) {
    errorsFile = o.errorsFile ?? `${o.file}.errors.csv`;
    writeFileSync(
      errorsFile,
      ["row,code,message", ...failures.map((f) => [String(f.row), f.code ?? "", csvCell(f.message ?? "")].join(","))].join("\n") + "\n",
    );
  }
  const summary: ImportSummary = {
    file: o.file,
    rows,
    imported: o.dryRun ? 0 : imported,
    rejected: failures.length,
    errorsFile,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    dryRun: o.dryRun,
  };
  if (o.json) io.stdout(`${JSON.stringify({ ...summary, errors: failures.slice(0, 100) })}\n`);
  else {
    io.stdout(
      `${o.dryRun ? "checked" : "imported"} ${o.dryRun ? rows - failures.length : imported} of ${rows} rows in ${summary.seconds}s; rejected ${failures.length}\n`,
    );
    for (const f of failures.slice(0, 10)) io.stdout(`  row ${f.row}: ${f.code}: ${f.message}\n`);
    if (failures.length > 10) io.stdout(`  ... ${failures.length - 10} more\n`);
    if (errorsFile) io.stdout(`per-row errors: ${errorsFile}\n`);
  }
  return { summary, exitCode: failures.length > 0 ? EXIT.PARTIAL : EXIT.OK };
}
