// Tests for integer rounding and largest-remainder allocation.
import { describe, expect, it } from "vitest";
import { allocate, allocateBig, divRound, divRoundBig, mulDiv, type RoundingMode } from "./money.js";

describe("divRound", () => {
  const cases: [number, number, RoundingMode, number][] = [
    [5, 2, "half-up", 3],
    [5, 2, "half-down", 2],
    [5, 2, "half-even", 2],
    [7, 2, "half-even", 4],
    [5, 2, "floor", 2],
    [5, 2, "ceil", 3],
    [-5, 2, "half-up", -3],
    [-5, 2, "half-down", -2],
    [-5, 2, "floor", -3],
    [-5, 2, "ceil", -2],
    [10, 3, "half-up", 3],
    [11, 3, "half-up", 4],
    [6, 3, "ceil", 2],
    [0, 7, "ceil", 0],
  ];
  it.each(cases)("%i / %i %s = %i", (n, d, mode, want) => {
    expect(divRound(n, d, mode)).toBe(want);
  });
  it("rejects a zero divisor with a code", () => {
    expect(() => divRound(1, 0, "floor")).toThrow(expect.objectContaining({ code: "RULES_ARITHMETIC" }));
  });
  it("mulDiv rounds once", () => {
    expect(mulDiv(5990, 90, 100, "half-up")).toBe(5391);
    expect(mulDiv(1999, 95, 100, "half-up")).toBe(1899); // 1899.05
    expect(mulDiv(1990, 95, 100, "half-up")).toBe(1891); // 1890.5
    expect(mulDiv(1990, 95, 100, "half-even")).toBe(1890);
  });
});

describe("allocate (largest remainder)", () => {
  const cases: [number, number[], number[]][] = [
    [100, [1, 1, 1], [34, 33, 33]],
    [5000, [10980, 12900, 29800], [1023, 1201, 2776]],
    [1, [0, 5, 5], [0, 1, 0]],
    [0, [3, 4], [0, 0]],
    [7, [7], [7]],
    [10, [1, 2, 3, 4], [1, 2, 3, 4]],
    [3, [1, 1, 1, 1], [1, 1, 1, 0]],
  ];
  it.each(cases)("%i over %j = %j", (total, weights, want) => {
    const got = allocate(total, weights);
    expect(got).toEqual(want);
    expect(got.reduce((a, b) => a + b, 0)).toBe(total);
  });
  it("refuses zero weights for a positive amount", () => {
    expect(() => allocate(1, [0, 0])).toThrow(expect.objectContaining({ code: "RULES_ARITHMETIC" }));
  });
});

describe("number fast paths agree with bigint arithmetic", () => {
  it("divRound near 2^53 and with negative numbers", () => {
    const big = Number.MAX_SAFE_INTEGER;
    for (const [n, d] of [
      [big, 3],
      [big - 1, 7],
      [-big, 10],
      [big, big - 1],
      [-7, 2],
      [123456789, 1000],
    ] as const) {
      for (const mode of ["half-up", "half-down", "half-even", "floor", "ceil"] as const) {
        expect(divRound(n, d, mode)).toBe(Number(divRoundBig(BigInt(n), BigInt(d), mode)));
      }
    }
  });
  it("allocate falls back to bigints when products would not be exact", () => {
    const w = [Number.MAX_SAFE_INTEGER - 10, 7, 3];
    const got = allocate(1_000_000, w);
    expect(got.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    expect(got).toEqual(allocateBig(1_000_000n, w.map(BigInt)).map(Number));
  });
});
