// Code 128 for Epson's GS k 73: code set C for digit runs, B for the rest, and the module width that fits the paper (or none).

/** One segment of the symbol: code set B (ASCII text) or C (pairs of digits). */
export interface Code128Segment {
  set: "B" | "C";
  text: string;
}

/**
 * Splits data into code sets: C for runs of at least 4 digits (or data that is an even number of
 * digits), B for everything else. An odd run leaves its first digit in B.
 */
export function code128Segments(data: string): Code128Segment[] {
  const out: Code128Segment[] = [];
  const push = (set: "B" | "C", text: string): void => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.set === set) last.text += text;
    else out.push({ set, text });
  };
  const re = /\d+|\D+/g;
  for (const m of data.matchAll(re)) {
    const run = m[0];
    const digits = /^\d/.test(run);
    if (digits && (run.length >= 4 || (run.length === data.length && run.length % 2 === 0))) {
      const odd = run.length % 2;
      push("B", run.slice(0, odd));
      push("C", run.slice(odd));
    } else push("B", run);
  }
  return out;
}

/** Symbols: start, data (one per B character, one per C pair), a switch per change of set, check. */
export function code128Modules(segments: readonly Code128Segment[], quietModules = 10): number {
  let symbols = 1 + segments.length - 1 + 1; // start + switches + check
  for (const s of segments) symbols += s.set === "B" ? s.text.length : s.text.length / 2;
  return symbols * 11 + 13 + 2 * quietModules; // stop is 13 modules
}

/** Epson GS k 73 data: "{B"/"{C" switches, code C as one byte per digit pair. */
export function code128Payload(segments: readonly Code128Segment[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of segments) {
    parts.push(Buffer.from(`{${s.set}`, "ascii"));
    if (s.set === "B") parts.push(Buffer.from(s.text, "ascii"));
    else {
      const pairs: number[] = [];
      for (let i = 0; i < s.text.length; i += 2) pairs.push(Number(s.text.slice(i, i + 2)));
      parts.push(Buffer.from(pairs));
    }
  }
  return Buffer.concat(parts);
}

/**
 * The widest module (2 or 3 dots; 1 dot is too thin for thermal paper scanners) at which the symbol
 * and its quiet zones fit `printDots`, or undefined: print the QR only.
 */
export function code128ModuleWidth(data: string, printDots: number, widths: readonly number[] = [3, 2]): number | undefined {
  const modules = code128Modules(code128Segments(data));
  return widths.find((w) => modules * w <= printDots);
}
