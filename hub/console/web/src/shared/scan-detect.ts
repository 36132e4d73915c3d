// Whether keys that arrived end in a scan: a live member code by its shape and speed, anything else by a fast burst (no DOM: unit-tested under Node).
/** A live member code at the end of what was typed. */
const MEMBER_CODE = /MC1\.[A-Za-z0-9_-]{1,32}\.\d{1,12}\.[A-Za-z0-9_-]{20,}$/;
/** A pause this long starts over (older keys are never part of a scan anyway: the code is matched at the end). */
export const RESET_MS = 2000;
/**
 * Average time between a member code's keys stays below this. A scanner sends a key every few ms,
 * but a busy browser may deliver them late; nobody types a ~100-character signature by hand, and if
 * someone did, treating it as a scan (open that member) is what they wanted anyway.
 */
const MAX_AVG_GAP_MS = 150;
/** For other scans (card numbers): every gap below this, at least MIN_LENGTH characters. */
const MAX_GAP_MS = 40;
const MIN_LENGTH = 8;
export const MAX_BUFFER = 512;

export interface Key {
  ch: string;
  at: number;
  /** Where the key went (the field to take a scan back out of). */
  target: unknown;
}

/** The scan at the end of `keys`, if they came fast enough to be one. */
export function scanIn(keys: readonly Key[]): { text: string; target: unknown } | undefined {
  const text = keys.map((k) => k.ch).join("");
  const code = MEMBER_CODE.exec(text);
  if (code) {
    const burst = keys.slice(keys.length - code[0].length);
    const avg = (burst[burst.length - 1]!.at - burst[0]!.at) / Math.max(1, burst.length - 1);
    return avg <= MAX_AVG_GAP_MS ? { text: code[0], target: burst[0]!.target } : undefined;
  }
  let start = keys.length - 1;
  while (start > 0 && keys[start]!.at - keys[start - 1]!.at <= MAX_GAP_MS) start--;
  const burst = keys.slice(start);
  return burst.length >= MIN_LENGTH ? { text: burst.map((k) => k.ch).join(""), target: burst[0]!.target } : undefined;
}
