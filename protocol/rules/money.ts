// Integer money and point arithmetic: explicit rounding modes and exact largest-remainder allocation.
import { RulesError } from "./errors.js";

/**
 * How a non-integer quotient becomes an integer.
 * `half-up` rounds halves away from zero, `half-down` towards zero, `half-even` to the even neighbour;
 * `floor` and `ceil` round towards minus and plus infinity.
 */
export type RoundingMode = "half-up" | "half-down" | "half-even" | "floor" | "ceil";

export const ROUNDING_MODES = ["half-up", "half-down", "half-even", "floor", "ceil"] as const;

/** `num / den` rounded with `mode`, on bigints (exact for any size). `den` must be positive. */
export function divRoundBig(num: bigint, den: bigint, mode: RoundingMode): bigint {
  if (den <= 0n) throw new RulesError("RULES_ARITHMETIC", "division by a non-positive number");
  const q = num / den; // truncates towards zero
  const r = num % den; // same sign as num
  if (r === 0n) return q;
  const sign = num < 0n ? -1n : 1n;
  switch (mode) {
    case "floor":
      return num < 0n ? q - 1n : q;
    case "ceil":
      return num > 0n ? q + 1n : q;
    default: {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice > den) return q + sign;
      if (twice < den) return q;
      if (mode === "half-up") return q + sign;
      if (mode === "half-down") return q;
      return q % 2n === 0n ? q : q + sign; // half-even
    }
  }
}

/** `num / den` rounded with `mode`; arguments must be safe integers. */
export function divRound(num: number, den: number, mode: RoundingMode): number {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) {
    throw new RulesError("RULES_ARITHMETIC", "expected safe integers");
  }
  if (den <= 0) throw new RulesError("RULES_ARITHMETIC", "division by a non-positive number");
  // floorDiv inline (no tuple per call: this runs for every discounted line).
  let q = Math.floor(num / den);
  let r = num - q * den;
  while (r < 0) {
    q -= 1;
    r += den;
  }
  while (r >= den) {
    q += 1;
    r -= den;
  }
  if (r === 0 || mode === "floor") return q;
  if (mode === "ceil") return q + 1;
  const twice = 2 * r;
  if (twice > den) return q + 1;
  if (twice < den) return q;
  if (mode === "half-up") return num > 0 ? q + 1 : q; // away from zero
  if (mode === "half-down") return num > 0 ? q : q + 1; // towards zero
  return q % 2 === 0 ? q : q + 1; // half-even
}

/** `value * num / den`, rounded once (no intermediate rounding). */
export function mulDiv(value: number, num: number, den: number, mode: RoundingMode): number {
  const p = value * num;
  if (Number.isSafeInteger(p) && Number.isSafeInteger(value) && Number.isSafeInteger(num)) return divRound(p, den, mode);
  return toSafeNumber(divRoundBig(BigInt(value) * BigInt(num), BigInt(den), mode));
}

export function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RulesError("RULES_ARITHMETIC", `integer ${v.toString()} is out of the safe range`);
  }
  return Number(v);
}

export function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * Splits the non-negative integer `total` over `weights` (non-negative bigints) in proportion,
 * exactly: floors first, then one unit each to the largest remainders (ties: lower index first).
 * A share never exceeds `total * w / W` rounded up, so with `total <= W` no share exceeds its weight.
 */
export function allocateBig(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) throw new RulesError("RULES_ARITHMETIC", "cannot allocate a negative amount");
  const shares = weights.map(() => 0n);
  if (total === 0n) return shares;
  let w = 0n;
  for (const x of weights) {
    if (x < 0n) throw new RulesError("RULES_ARITHMETIC", "allocation weights must be non-negative");
    w += x;
  }
  if (w === 0n) throw new RulesError("RULES_ARITHMETIC", "cannot allocate over zero weights");
  const rems: { i: number; r: bigint }[] = [];
  let given = 0n;
  weights.forEach((x, i) => {
    const p = total * x;
    const s = p / w;
    shares[i] = s;
    given += s;
    rems.push({ i, r: p % w });
  });
  let left = total - given;
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of rems) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares;
}

/**
 * Rounds exact shares `quotas[i] / den` to integers adding up to `total`: each share is its quota
 * rounded down, and the units left go one each to the largest fractions (ties: lower index first).
 * So every share is its exact quota rounded down or up. When `total` is outside what such rounding
 * can reach, falls back to {@link allocateBig} over the quotas.
 */
export function apportionBig(total: bigint, quotas: readonly bigint[], den: bigint): bigint[] {
  if (den <= 0n) throw new RulesError("RULES_ARITHMETIC", "division by a non-positive number");
  const shares = quotas.map((q) => q / den);
  const fractions = quotas.map((q, i) => ({ i, r: q % den }));
  let left = total - shares.reduce((a, b) => a + b, 0n);
  const withFraction = fractions.filter((f) => f.r > 0n);
  if (left < 0n || left > BigInt(withFraction.length) || quotas.some((q) => q < 0n)) return allocateBig(total, quotas);
  withFraction.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of withFraction) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares;
}

/**
 * The indices of the `count` largest remainders, ties to the lower index (the order the allocations
 * use). For short carts a few linear scans; for long ones a sort.
 */
export function largestRemainders<T extends number | bigint>(rems: readonly T[], count: number): number[] {
  const n = rems.length;
  if (count <= 0) return [];
  if (count * n > 4096) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => {
      const ra = rems[a] as T;
      const rb = rems[b] as T;
      return ra === rb ? a - b : ra > rb ? -1 : 1;
    });
    return idx.slice(0, count);
  }
  const taken = new Uint8Array(n);
  const out: number[] = [];
  for (let k = 0; k < count && k < n; k++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (taken[i] === 1) continue;
      if (best < 0 || (rems[i] as T) > (rems[best] as T)) best = i;
    }
    taken[best] = 1;
    out.push(best);
  }
  return out;
}

/**
 * The indices of the `count` largest remainders (ties to the lower index), as {@link largestRemainders}
 * picks them, in ascending index order: the count-th largest value by quickselect on a copy, then
 * every index above it and the lowest indices equal to it. Linear on average, without sorting.
 */
export function topRemainders(rems: readonly number[], count: number): number[] {
  const n = rems.length;
  const out: number[] = [];
  if (count <= 0) return out;
  if (count >= n) {
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
  const v = rems.slice();
  const target = count - 1; // position in descending order
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((v[i] as number) > pivot) i++;
      while ((v[j] as number) < pivot) j--;
      if (i <= j) {
        const t = v[i] as number;
        v[i] = v[j] as number;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  const threshold = v[target] as number;
  let ties = count;
  for (let i = 0; i < n; i++) if ((rems[i] as number) > threshold) ties--;
  for (let i = 0; i < n; i++) {
    const r = rems[i] as number;
    if (r > threshold) out.push(i);
    else if (r === threshold && ties > 0) {
      out.push(i);
      ties--;
    }
  }
  return out;
}

/** {@link allocateBig} on safe integers (computed on numbers when the products stay exact). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  let w = 0;
  let weightsOk = true;
  for (let i = 0; i < n; i++) {
    const x = weights[i] as number;
    w += x;
    if (!Number.isSafeInteger(x) || x < 0) weightsOk = false;
  }
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(w) || total < 0 || !weightsOk || !Number.isSafeInteger(total * w)) {
    return allocateBig(
      BigInt(total),
      weights.map((x) => BigInt(x)),
    ).map(toSafeNumber);
  }
  const shares = new Array<number>(n).fill(0);
  if (total === 0) return shares;
  if (w === 0) throw new RulesError("RULES_ARITHMETIC", "cannot allocate over zero weights");
  const rems = new Array<number>(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const p = total * (weights[i] as number);
    let q = Math.floor(p / w);
    let r = p - q * w;
    while (r < 0) {
      q -= 1;
      r += w;
    }
    while (r >= w) {
      q += 1;
      r -= w;
    }
    shares[i] = q;
    given += q;
    rems[i] = r;
  }
  const left = total - given;
  if (left > 0) for (const i of topRemainders(rems, left)) shares[i] = (shares[i] as number) + 1;
  return shares;
}

export function gcdBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function lcmBig(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  return (a / gcdBig(a, b)) * b;
}
