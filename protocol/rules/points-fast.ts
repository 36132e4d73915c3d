// The points arithmetic of earnPoints on plain numbers, for carts where every product stays a safe integer; undefined sends the cart to the exact bigint path.
import type { PointsRule } from "./config.js";
import { divRound, type RoundingMode, topRemainders } from "./money.js";

export interface FastEarnResult {
  retShares: number[];
  extraShares: number[];
  tRet: number;
  tTot: number;
}

const safe = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** lcm(d, m), or -1 when it leaves the safe integers. */
function lcm(d: number, m: number): number {
  if (!safe(m) || m === 0) return -1;
  const l = (d / gcd(d, m)) * m;
  return safe(l) ? l : -1;
}

/** Floors of quota / den, plus one unit each to the largest fractions; undefined when the bigint path would fall back. */
function apportion(total: number, quotas: readonly number[], den: number): number[] | undefined {
  const n = quotas.length;
  const shares = new Array<number>(n);
  const fractions = new Array<number>(n);
  let given = 0;
  let withFraction = 0;
  for (let i = 0; i < n; i++) {
    const q = quotas[i] as number;
    const s = Math.floor(q / den);
    const r = q - s * den;
    if (r < 0 || r >= den) return undefined; // float quotient off near 2^53: use the exact path
    shares[i] = s;
    fractions[i] = r;
    given += s;
    if (r > 0) withFraction++;
  }
  const left = total - given;
  if (left < 0 || left > withFraction) return undefined;
  if (left > 0) for (const i of topRemainders(fractions, left)) shares[i] = (shares[i] as number) + 1;
  return shares;
}

/**
 * Same results as the bigint arithmetic in earnPoints (exact quotas over a common denominator, one
 * rounding per order, largest-remainder split), as long as every intermediate value is a
 * non-negative safe integer.
 */
export function fastEarn(
  rules: readonly (PointsRule | null)[],
  qty: readonly number[],
  amountFen: readonly number[],
  decimals: number,
  levelPercent: number,
  multNum: bigint,
  multDen: bigint,
  mode: RoundingMode,
): FastEarnResult | undefined {
  const mNum = Number(multNum);
  const mDen = Number(multDen);
  if (!safe(mNum) || !safe(mDen) || mDen === 0 || !safe(levelPercent)) return undefined;
  const scale = 10 ** decimals;
  const n = rules.length;
  const nums = new Array<number>(n);
  const dens = new Array<number>(n);
  let d = 1;
  let lastDen = 0;
  for (let i = 0; i < n; i++) {
    const rule = rules[i] ?? null;
    const amount = amountFen[i] as number;
    let num = 0;
    let den = 1;
    if (rule?.kind === "fixed") num = rule.points * (qty[i] as number);
    else if (rule?.kind === "percent") {
      num = amount * rule.percent * scale;
      den = 10_000;
    } else if (rule?.kind === "per-amount") {
      num = amount * scale;
      den = rule.fenPerPoint;
    }
    if (!safe(num) || !safe(den) || den === 0) return undefined;
    nums[i] = num;
    dens[i] = den;
    // Most lines share a denominator: d is already a multiple for a repeated one.
    if (den !== lastDen) {
      d = lcm(d, den * 100);
      if (d > 0) d = lcm(d, den * mDen);
      if (d < 0) return undefined;
      lastDen = den;
    }
  }
  const ret = new Array<number>(n);
  const extra = new Array<number>(n);
  let sumRet = 0;
  let sumTot = 0;
  for (let i = 0; i < n; i++) {
    const num = nums[i] as number;
    const den = dens[i] as number;
    // d is a multiple of den * 100 and of den * mDen, so these are the exact bigint quotients.
    const r = num * levelPercent * (d / (den * 100));
    const t = num * mNum * (d / (den * mDen));
    if (!safe(r) || !safe(t) || t < r) return undefined;
    ret[i] = r;
    extra[i] = t - r;
    sumRet += r;
    sumTot += t;
  }
  if (!safe(sumRet) || !safe(sumTot)) return undefined;
  const tRet = divRound(sumRet, d, mode);
  const tTot = divRound(sumTot, d, mode);
  const retShares = apportion(tRet, ret, d);
  const extraShares = apportion(tTot - tRet, extra, d);
  if (!retShares || !extraShares) return undefined;
  return { retShares, extraShares, tRet, tTot };
}
