// Text for a GBK printer: characters outside GBK mapped (or '?'), width measured in GBK bytes, words wrapped to the paper.
import iconv from "iconv-lite";

/** Common characters GBK lacks, with what a Chinese printer can print instead. */
const MAPPED: Record<string, string> = {
  "\u00a5": "\uffe5", // ¥ -> ￥ (GBK A3A4)
  "\u00ae": "(R)",
  "\u00a9": "(C)",
  "\u2122": "TM",
  "\u20ac": "EUR", // cp936 puts € at the single byte 0x80, which is no GBK character
  "\u00a3": "GBP",
  "\u00a2": "c",
  "\u00a0": " ",
  "\u2009": " ",
  "\u202f": " ",
  "\u00bd": "1/2",
  "\u00bc": "1/4",
  "\u00be": "3/4",
  "\u00df": "ss",
  "\u2012": "-",
  "\u2212": "-",
  "\u2026": "\u2026", // … is GBK A1AD (kept, two columns)
  "\u00b5": "u",
  "\u00d8": "O",
  "\u00f8": "o",
  "\u00e6": "ae",
  "\u00c6": "AE",
  "\u0153": "oe",
  "\u2022": "\u00b7",
};

const cache = new Map<string, string>();

/** True when `b` is one printable ASCII byte or one GBK double-byte character. */
function validGbk(b: Buffer): boolean {
  if (b.length === 1) return b[0] === 0x0a || (b[0]! >= 0x20 && b[0]! <= 0x7e);
  if (b.length !== 2) return false;
  const lead = b[0]!;
  const trail = b[1]!;
  return lead >= 0x81 && lead <= 0xfe && trail >= 0x40 && trail <= 0xfe && trail !== 0x7f;
}

function encodable(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xe000 && cp <= 0xf8ff) return false; // private use: GBK user areas print blank
  const b = iconv.encode(ch, "gbk");
  if (b.length === 1 && b[0] === 0x3f && ch !== "?") return false; // iconv's fallback
  return validGbk(b);
}

/** One character as GBK-printable text: itself, a mapping, its compatibility form, its base letter, or '?'. */
function mapChar(ch: string): string {
  const hit = cache.get(ch);
  if (hit !== undefined) return hit;
  let out: string;
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === "\n") out = ch;
  else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0))
    out = ""; // control: never a command
  else if (MAPPED[ch] !== undefined) out = MAPPED[ch]!;
  else if (encodable(ch)) out = ch;
  else if (/\p{Mn}/u.test(ch) || (cp >= 0x200b && cp <= 0x200f) || cp === 0x2060 || cp === 0xfeff || (cp >= 0xfe00 && cp <= 0xfe0f))
    out = ""; // marks, zero-width, variation selectors
  else {
    const nfkc = ch.normalize("NFKC");
    const base = ch.normalize("NFD").replace(/\p{Mn}/gu, "");
    if (nfkc !== ch && [...nfkc].every(encodable)) out = nfkc;
    else if (base !== ch && base.length > 0 && [...base].every(encodable)) out = base;
    else out = "?";
  }
  if (cache.size < 4096) cache.set(ch, out);
  return out;
}

/** Text as the printer will print it: every character GBK (mapped or '?'), control characters dropped. */
export function printableText(text: string): string {
  let out = "";
  for (const ch of text) out += mapChar(ch);
  return out;
}

/** GBK bytes, all valid GBK (see printableText). */
export function encodeGbk(text: string): Buffer {
  return iconv.encode(printableText(text), "gbk");
}

/** Printed width in font-A columns: a GBK double-byte character prints full width (×, ·, —, ①, é too). */
export function textColumns(text: string): number {
  let cols = 0;
  for (const ch of printableText(text)) cols += ch === "\n" ? 0 : ch.charCodeAt(0) < 0x80 ? 1 : 2;
  return cols;
}

/** Tokens for wrapping: runs of spaces, words of single-width characters, and each wide character alone. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let curKind: "space" | "word" | "" = "";
  for (const ch of text) {
    const kind = ch === " " ? "space" : textColumns(ch) === 1 ? "word" : "wide";
    if (kind === "wide") {
      if (cur) out.push(cur);
      out.push(ch);
      cur = "";
      curKind = "";
    } else if (kind === curKind) cur += ch;
    else {
      if (cur) out.push(cur);
      cur = ch;
      curKind = kind;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Breaks text into lines of at most `cols` columns: between words and wide characters, inside a word only when it alone is too long. */
export function wrapText(input: string, cols: number, indent = ""): string[] {
  const text = printableText(input).replace(/\n/g, " ");
  const lines: string[] = [];
  let line = "";
  const push = (): void => {
    lines.push(line.replace(/ +$/, ""));
    line = indent;
  };
  for (const tok of tokens(text)) {
    if (tok.startsWith(" ") && line.trim() === "") {
      if (lines.length === 0) line += tok; // leading indentation of the first line is kept
      continue;
    }
    if (textColumns(line + tok) <= cols) {
      line += tok;
      continue;
    }
    if (tok.startsWith(" ")) {
      push();
      continue;
    }
    if (line.trim() !== "") push();
    let rest = tok;
    while (textColumns(line + rest) > cols) {
      let piece = "";
      for (const ch of rest) {
        if (textColumns(line + piece + ch) > cols) break;
        piece += ch;
      }
      if (piece === "") break; // cols smaller than one wide character: give up on this token
      line += piece;
      rest = rest.slice(piece.length);
      push();
    }
    line += rest;
  }
  if (line.trim() !== "" || lines.length === 0) lines.push(line.replace(/ +$/, ""));
  return lines;
}

/**
 * Left text and right text (a price) padded to the width. When both do not fit on one line the left
 * text wraps and the right text goes right-aligned on the last line, or on a line of its own: it is
 * never cut.
 */
export function rowLines(left: string, right: string, width: number, indent = ""): string[] {
  const r = printableText(right);
  const rc = textColumns(r);
  const lefts = wrapText(left, width, indent);
  const last = lefts[lefts.length - 1] ?? "";
  if (textColumns(last) + 1 + rc <= width) {
    lefts[lefts.length - 1] = last + " ".repeat(width - textColumns(last) - rc) + r;
    return lefts;
  }
  return [...lefts, " ".repeat(Math.max(0, width - rc)) + r];
}
