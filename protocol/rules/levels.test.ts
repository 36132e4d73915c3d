// Tests for levels: upgrade by each metric and its timing, downgrades at the end of validity, paid upgrade.
import { describe, expect, it } from "vitest";
import type { RulesConfigInput } from "./config.js";
import { parseRulesConfig } from "./config.js";
import { checkDowngrade, checkUpgrade, defaultLevelFor, evaluateLevel, higherLevel, quotePaidUpgrade } from "./levels.js";
import { fullConfig } from "./test-fixtures.js";

const chain = (metric: "growth" | "points" | "spend" | "top-up", extra: Partial<RulesConfigInput> = {}) =>
  parseRulesConfig({
    levelUpgrade: { metric },
    levels: [
      { id: "bronze", name: "Bronze" },
      { id: "silver", name: "Silver", upgradeThreshold: 1000, validityDays: 365, downgrade: { kind: "recompute" } },
      { id: "gold", name: "Gold", upgradeThreshold: 5000, validityDays: 365, downgrade: { kind: "recompute" } },
    ],
    ...extra,
  });

describe("automatic upgrade", () => {
  it.each([
    ["growth: at once, growth resets", "growth", { growth: 1200 }, "silver", "2024-05-01", true],
    ["growth: straight to the highest level reached", "growth", { growth: 6000 }, "gold", "2024-05-01", true],
    ["points: from the next day, points kept", "points", { points: 1000 }, "silver", "2024-05-02", false],
    ["cumulative spend: next day", "spend", { cumulativeSpendFen: 5000 }, "gold", "2024-05-02", false],
    ["cumulative top-up: next day", "top-up", { cumulativeTopUpFen: 1000 }, "silver", "2024-05-02", false],
  ] as const)("%s", (_n, metric, values, to, effectiveOn, resetGrowth) => {
    expect(checkUpgrade(chain(metric), { levelId: "bronze", ...values }, "2024-05-01")).toEqual({
      from: "bronze",
      to,
      kind: "upgrade",
      effectiveOn,
      resetGrowth,
      validUntil: effectiveOn === "2024-05-01" ? "2025-04-30" : "2025-05-01",
      reason: expect.any(String),
    });
  });
  it("does nothing below the next threshold or at the top", () => {
    expect(checkUpgrade(chain("points"), { levelId: "bronze", points: 999 }, "2024-05-01")).toBeNull();
    expect(checkUpgrade(chain("points"), { levelId: "gold", points: 99999 }, "2024-05-01")).toBeNull();
    expect(checkUpgrade(chain("points"), { levelId: "silver", points: 1500 }, "2024-05-01")).toBeNull();
  });
  it("rejects a bad member with the field", () => {
    expect(() => checkUpgrade(chain("points"), { levelId: "bronze", points: -1 }, "2024-05-01")).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "member.points" }),
    );
    expect(() => checkUpgrade(chain("points"), { levelId: "iron", points: 1 }, "2024-05-01")).toThrow(
      expect.objectContaining({ code: "RULES_UNKNOWN_LEVEL", field: "member.levelId" }),
    );
  });
});

describe("downgrade at the end of validity", () => {
  const since = "2023-05-01"; // valid through 2024-04-29 (365 days)
  it("is not checked before the day after the validity ends", () => {
    expect(checkDowngrade(chain("points"), { levelId: "gold", levelSince: since, windowPoints: 0 }, "2024-04-29")).toBeNull();
    expect(checkDowngrade(chain("points"), { levelId: "gold", levelSince: since, windowPoints: 0 }, "2024-04-30")).toMatchObject({
      to: "bronze",
      kind: "downgrade",
    });
  });
  it.each([
    ["points recomputed over the window", "points", { windowPoints: 1200 }, "silver", "downgrade"],
    ["growth recomputed over the window", "growth", { windowGrowth: 6000 }, "gold", "renewal"],
    ["spend cannot shrink: renewal", "spend", { cumulativeSpendFen: 0 }, "gold", "renewal"],
    ["top-up cannot shrink: renewal", "top-up", {}, "gold", "renewal"],
  ] as const)("%s", (_n, metric, values, to, kind) => {
    expect(checkDowngrade(chain(metric), { levelId: "gold", levelSince: since, ...values }, "2024-05-01")).toMatchObject({
      from: "gold",
      to,
      kind,
      effectiveOn: "2024-05-01",
      validUntil: "2025-04-30",
    });
  });
  it("drops to a named level", () => {
    const cfg = chain("points", {
      levels: [
        { id: "bronze", name: "Bronze" },
        { id: "silver", name: "Silver", upgradeThreshold: 1000 },
        { id: "gold", name: "Gold", upgradeThreshold: 5000, validityDays: 30, downgrade: { kind: "to-level", levelId: "silver" } },
      ],
    });
    expect(checkDowngrade(cfg, { levelId: "gold", levelSince: "2024-04-01", points: 99999 }, "2024-05-01")).toMatchObject({
      to: "silver",
      kind: "downgrade",
      validUntil: null,
    });
  });
  it.each([
    [5000, "normal"],
    [10000, "l95"],
    [999999, "l95"],
  ])("by balance ranges: balance %i -> %s", (balanceFen, to) => {
    const r = checkDowngrade(fullConfig(), { levelId: "l95", levelSince: "2023-01-01", balanceFen }, "2024-05-01");
    expect(r?.to).toBe(to);
  });
  it("evaluateLevel does a due downgrade before looking at upgrades", () => {
    expect(evaluateLevel(chain("points"), { levelId: "gold", levelSince: since, windowPoints: 10 }, "2024-05-01")?.kind).toBe("downgrade");
    expect(evaluateLevel(chain("points"), { levelId: "bronze", points: 1000 }, "2024-05-01")?.kind).toBe("upgrade");
  });
  it("refuses non-recompute downgrades with growth upgrades", () => {
    expect(() =>
      chain("growth", {
        levels: [
          { id: "a", name: "A" },
          { id: "b", name: "B", validityDays: 10, downgrade: { kind: "to-level", levelId: "a" } },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: "RULES_INVALID_CONFIG", field: "levels.1.downgrade.kind" }));
  });
});

describe("paid upgrade and defaults", () => {
  const cfg = fullConfig();
  it("quotes a level bought outright, with its reward", () => {
    expect(quotePaidUpgrade(cfg, "normal", "l90", "2024-05-01")).toEqual({
      priceFen: 9900,
      reward: { points: 50, couponPackIds: ["pack-welcome"] },
      change: { from: "normal", to: "l90", kind: "paid-upgrade", effectiveOn: "2024-05-01", resetGrowth: false, validUntil: null, reason: "paid upgrade" },
    });
  });
  it.each([
    ["a level not for sale", "normal", "l85"],
    ["a level not above the current one", "l80", "l90"],
  ])("refuses %s", (_n, from, to) => {
    expect(() => quotePaidUpgrade(cfg, from, to, "2024-05-01")).toThrow(expect.objectContaining({ code: "RULES_LEVEL_NOT_ALLOWED" }));
  });
  it("knows the default level and never lowers a level", () => {
    expect(defaultLevelFor(cfg, "till")?.id).toBe("normal");
    expect(higherLevel(cfg, "l90", "l95")).toBe("l90");
    expect(higherLevel(cfg, "l95", "l90")).toBe("l90");
  });
});
