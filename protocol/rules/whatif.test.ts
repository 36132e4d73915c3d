// Tests for the what-if report, its table rendering, and the CLI (scripts/whatif.ts) on the example inputs.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fullConfig, readExample } from "./test-fixtures.js";
import { formatWhatIf, yuan } from "./whatif-format.js";
import { runWhatIf } from "./whatif.js";

const config = fullConfig();

describe("runWhatIf", () => {
  it("prices the example cart, plans tenders and reports points", () => {
    const r = runWhatIf(config, readExample("cart.json"), undefined);
    expect(r.localDate).toBe("2024-05-01");
    expect(r.receipt?.totals).toMatchObject({
      subtotalFen: 109710,
      couponDiscountFen: 8125,
      totalFen: 96574,
      pointsCashFen: 5000,
      payableFen: 91574,
      pointsEarned: 47,
    });
    expect(r.tenders).toMatchObject({ balancePrincipalFen: 27273, balanceBonusFen: 2727, externalFen: 61574 });
    expect(r.points).toEqual({ earned: 47, returnable: 28, redeemed: 50, balanceAfter: 317 });
    expect(r.level).toBeNull();
  });
  it("answers level, VIP, top-up and portrait questions from a history", () => {
    const r = runWhatIf(config, undefined, readExample("history.json"));
    expect(r.receipt).toBeNull();
    expect(r.level).toMatchObject({ kind: "upgrade", from: "l90", to: "l85", effectiveOn: "2024-05-02" });
    expect(r.vip?.quote).toMatchObject({ kind: "purchase", priceFen: 36600, bonusDays: 30 });
    expect(r.topUp).toMatchObject({ principalFen: 100000, bonusFen: 10000, rule: { id: "t1000" } });
    expect(r.portraits).toMatchObject({ frequency: "active", tags: ["stored-value-lover", "coupon-expiring"] });
  });
  it("previews a return", () => {
    const r = runWhatIf(config, readExample("return-cart.json"), undefined);
    expect(r.return?.totals).toMatchObject({ qty: 1, pointsGivenBack: 21, pointsTakenBack: 8, pointsKept: 5 });
    const totals = r.return?.totals;
    expect(totals).toBeDefined();
    expect(totals?.refundFen).toBe((totals?.moneyFen ?? Number.NaN) + (totals?.pointsCashFen ?? Number.NaN));
  });
  it.each([
    ["an unknown sku", { at: "2024-05-01", lines: [{ sku: "x", qty: 1 }] }, "cart.lines.0.sku", "RULES_UNKNOWN_PRODUCT"],
    ["a time without offset", { at: "2024-05-01T10:00", lines: [{ sku: "rice-5kg", qty: 1 }] }, "cart.at", "RULES_INVALID_INPUT"],
    ["an unknown key", { at: "2024-05-01", lines: [{ sku: "rice-5kg", qty: 1 }], colour: "red" }, "cart.colour", "RULES_INVALID_INPUT"],
    ["a bad coupon list", { at: "2024-05-01", lines: [{ sku: "rice-5kg", qty: 1 }], coupons: [1] }, "cart.coupons.0", "RULES_INVALID_INPUT"],
    [
      "a return of a line not sold",
      { at: "2024-05-01", lines: [{ sku: "rice-5kg", qty: 1 }], return: { lines: [{ index: 3 }] } },
      "cart.return.lines.0.index",
      "RULES_INVALID_RETURN",
    ],
  ])("names the field of %s", (_n, cart, field, code) => {
    expect(() => runWhatIf(config, cart, undefined)).toThrow(expect.objectContaining({ field, code }));
  });
  it("names history fields too", () => {
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", level: { levelId: "zz" } })).toThrow(
      expect.objectContaining({ field: "history.level.levelId" }),
    );
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", vipPlanId: "gold-1y" })).toThrow(expect.objectContaining({ field: "history.vip" }));
    expect(() => runWhatIf(config, undefined, undefined)).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT" }));
    const vip = { id: "m", cardClass: "standard" };
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", vip, vipPlanId: "nope" })).toThrow(
      expect.objectContaining({ code: "RULES_UNKNOWN_PLAN", field: "history.vipPlanId" }),
    );
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", vip, vipUpgradePlanId: "diamond-1m" })).toThrow(
      expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED", field: "history.vip.vip" }),
    );
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", portrait: { cardIssuedOn: "2024-02-30" } })).toThrow(
      expect.objectContaining({ field: "history.portrait.cardIssuedOn" }),
    );
  });
});

describe("formatWhatIf", () => {
  it("renders yuan with two decimals", () => {
    expect([yuan(0), yuan(5), yuan(12345), yuan(-5)]).toEqual(["0.00", "0.05", "123.45", "-0.05"]);
  });
  it("renders the receipt as a table with totals, coupons, points and changes", () => {
    const text = formatWhatIf(runWhatIf(config, readExample("cart.json"), readExample("history.json")));
    expect(text).toContain("Infant formula stage 3 900g");
    expect(text).toMatch(/total\s+965\.74/);
    expect(text).toMatch(/to pay\s+915\.74/);
    expect(text).toContain("coupon cp-1002 not used: group-limit");
    expect(text).toContain("Points: +47 earned (x2.5: level x1.5, events birthday x2; 28 returnable), -50 spent, balance after 317");
    expect(text).toContain("VIP purchase: standard -> vip-gold, price 366.00");
  });
});

describe("scripts/whatif.ts", () => {
  const script = fileURLToPath(new URL("../../scripts/whatif.ts", import.meta.url));
  const example = (f: string) => fileURLToPath(new URL(`./examples/${f}`, import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8" });
  it("prints JSON with --json, and a clear error naming the field on bad input", () => {
    const ok = run("--config", example("full-config.json"), "--cart", example("cart.json"), "--json");
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { receipt: { totals: { totalFen: number } } }).receipt.totals.totalFen).toBe(96574);
    const bad = run("--config", example("full-config.json"), "--cart", example("demo-config.json"));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: cart\.\S+: .*\[RULES_INVALID_INPUT\]/);
    const usage = run("--config", example("full-config.json"));
    expect(usage.status).toBe(2);
  }, 30_000);
});
