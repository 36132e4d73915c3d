// Test helper: decodes printed ESC/POS bytes with npos (a parser not written for this project) into text, barcodes and QR payloads.
import iconv from "iconv-lite";
import npos from "npos";
import type { NposNode, NposRules } from "npos";

export interface DecodedJob {
  /** The command names in order ("ESC @", "GS k", "GS (k", "TEXT", ...). */
  commands: string[];
  /** Printed text, GBK-decoded, split into lines. */
  lines: string[];
  barcodes: { type: number; data: string }[];
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
  const out: DecodedJob = { commands: [], lines: [], barcodes: [], qrCodes: [], cuts: 0 };
  let text = "";
  for (const node of ast.tree) {
    const raw = job.subarray(node.offset, node.offset + node.length);
    const name = nodeName(node);
    out.commands.push(name);
    if (node.code === 2) text += iconv.decode(raw, "gbk");
    else if (name === "GS k") decodeBarcode(raw, out);
    else if (name === "GS (k") decodeQr(raw, out);
    else if (name === "GS V") out.cuts++;
  }
  out.lines = text.split("\n");
  if (out.lines[out.lines.length - 1] === "") out.lines.pop();
  return out;
}

function nodeName(n: NposNode): string {
  if (n.code === 2) return "TEXT";
  return `${n.ascii} ${n.fn ?? ""}`.trim();
}

function decodeBarcode(raw: Buffer, out: DecodedJob): void {
  // GS k m ... : m 0..6 is NUL-terminated, m 65..79 has a length byte n.
  const m = raw[2] ?? 0;
  if (m <= 6) {
    const end = raw.indexOf(0, 3);
    out.barcodes.push({ type: m, data: raw.subarray(3, end < 0 ? raw.length : end).toString("latin1") });
    return;
  }
  const n = raw[3] ?? 0;
  let data = raw.subarray(4, 4 + n).toString("latin1");
  if (m === 73 && /^\{[ABC]/.test(data)) data = data.slice(2);
  out.barcodes.push({ type: m, data });
}

function decodeQr(raw: Buffer, out: DecodedJob): void {
  // GS ( k pL pH cn fn ... ; cn 49 (QR), fn 80 (store): m=48 then the data.
  const cn = raw[5];
  const fn = raw[6];
  const len = (raw[3] ?? 0) | ((raw[4] ?? 0) << 8);
  if (cn === 49 && fn === 80) out.qrCodes.push(raw.subarray(8, 5 + len).toString("utf8"));
}
