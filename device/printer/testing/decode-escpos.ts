// Test helper: decodes printed ESC/POS bytes with npos (a parser not written for this project) into text, barcodes and QR payloads.
import iconv from "iconv-lite";
import npos from "npos";
import type { NposNode, NposRules } from "npos";

export interface DecodedJob {
  /** The command names in order ("ESC @", "GS k", "GS (k", "TEXT", ...). */
  commands: string[];
  /** Printed text, GBK-decoded, split into lines. */
  lines: string[];
  barcodes: {
    type: number;
    data: string /** GS w in force (dots a module). */;
    moduleWidth: number /** Code 128 symbols in the data (a set switch is one). */;
    symbols: number;
  }[];
  /** The raw bytes of every TEXT node, for byte-level checks. */
  textBytes: Buffer;
  qrCodes: string[];
  cuts: number;
}

/** npos's own rules plus GS ( k, which its table lacks; the length is its own d16 (pL pH) splitter. */
function rules(): NposRules {
  const base = npos.rules as Record<number, Record<string, (number | string)[]>>;
  const out: Record<number, unknown> = {};
  for (const [k, v] of Object.entries(base)) out[Number(k)] = typeof v === "object" && v !== null ? { ...v } : v;
  const gs = out[0x1d] as Record<string, unknown>;
  gs["(k"] = [0, "d16"];
  return out as NposRules;
}

export function decodeEscPos(job: Buffer): DecodedJob {
  const ast = npos.parser(rules()).analyze(job);
  if (ast.error || !ast.tree) throw new Error(`npos could not parse the job: ${String(ast.error)}`);
  const out: DecodedJob = { commands: [], lines: [], barcodes: [], qrCodes: [], cuts: 0, textBytes: Buffer.alloc(0) };
  let text = "";
  const texts: Buffer[] = [];
  let moduleWidth = 3; // Epson's default GS w
  for (const node of ast.tree) {
    const raw = job.subarray(node.offset, node.offset + node.length);
    const name = nodeName(node);
    out.commands.push(name);
    if (node.code === 2) {
      text += iconv.decode(raw, "gbk");
      texts.push(raw);
    } else if (name === "GS w") moduleWidth = raw[2] ?? moduleWidth;
    else if (name === "GS k") decodeBarcode(raw, out, moduleWidth);
    else if (name === "GS (k") decodeQr(raw, out);
    else if (name === "GS V") out.cuts++;
  }
  out.textBytes = Buffer.concat(texts);
  out.lines = text.split("\n");
  if (out.lines[out.lines.length - 1] === "") out.lines.pop();
  return out;
}

function nodeName(n: NposNode): string {
  if (n.code === 2) return "TEXT";
  return `${n.ascii} ${n.fn ?? ""}`.trim();
}

function decodeBarcode(raw: Buffer, out: DecodedJob, moduleWidth: number): void {
  // GS k m ... : m 0..6 is NUL-terminated, m 65..79 has a length byte n.
  const m = raw[2] ?? 0;
  if (m <= 6) {
    const end = raw.indexOf(0, 3);
    const data = raw.subarray(3, end < 0 ? raw.length : end).toString("latin1");
    out.barcodes.push({ type: m, data, moduleWidth, symbols: data.length });
    return;
  }
  const n = raw[3] ?? 0;
  const body = raw.subarray(4, 4 + n);
  out.barcodes.push({ type: m, data: m === 73 ? code128Text(body) : body.toString("latin1"), moduleWidth, symbols: m === 73 ? code128Symbols(body) : n });
}

/** Data symbols: each switch "{X" is one symbol (the first is the start code, counted here too), each other byte one. */
function code128Symbols(body: Buffer): number {
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x7b && i + 1 < body.length && "ABC".includes(String.fromCharCode(body[i + 1]!))) i++;
    n++;
  }
  return n;
}

/** Epson's Code 128 data: "{A" / "{B" / "{C" switch the code set; in C each byte is a digit pair 00..99. */
function code128Text(body: Buffer): string {
  let set = "B";
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x7b && i + 1 < body.length && "ABC".includes(String.fromCharCode(body[i + 1]!))) {
      set = String.fromCharCode(body[++i]!);
      continue;
    }
    if (set === "C") {
      if (b > 99) throw new Error(`Code 128 set C byte out of range: ${b}`);
      out += String(b).padStart(2, "0");
    } else out += String.fromCharCode(b);
  }
  return out;
}

function decodeQr(raw: Buffer, out: DecodedJob): void {
  // GS ( k pL pH cn fn ... ; cn 49 (QR), fn 80 (store): m=48 then the data.
  const cn = raw[5];
  const fn = raw[6];
  const len = (raw[3] ?? 0) | ((raw[4] ?? 0) << 8);
  if (cn === 49 && fn === 80) out.qrCodes.push(raw.subarray(8, 5 + len).toString("utf8"));
}
