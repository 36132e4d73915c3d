// Tests for the what-if report, its table rendering, and the CLI (scripts/whatif.ts) on the example inputs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { consultantReward } from "./consultant.js";
import { fullConfig, readExample } from "./test-fixtures.js";
import { quoteTopUpRefund } from "./top-up-refund.js";
import { formatWhatIf, yuan } from "./whatif-format.js";
import { localTime } from "./whatif-time.js";
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

describe("history.consultant (consultant.ts, as the hub's monthly report counts it)", () => {
  const cart = readExample("return-cart.json") as Record<string, unknown>;
  const history = readExample("history-topup-consultant.json") as { consultant: Record<string, unknown> };
  const s = config.consultant;
  const month = [{ amountFen: 19_000_000, kind: "other", channel: "till" }] as const;
  it("the cart's reward is what consultantReward gives for the month with and without the cart", () => {
    const r = runWhatIf(config, cart, { consultant: history.consultant });
    const total = r.receipt?.totals.totalFen ?? Number.NaN;
    expect(total).toBe(66210);
    const sale = { amountFen: total, kind: "other", channel: "kiosk" } as const;
    const before = consultantReward(s, month);
    const after = consultantReward(s, [...month, sale]);
    expect(r.consultant?.sale).toMatchObject({ kind: "other", countedFen: after.lines[1]?.countedFen, multiplierPercent: 100, channelPercent: 90 });
    expect(r.consultant?.sale?.countedFen).toBe(59589); // 662.10 x1 (regular member) x0.9 (in store)
    expect(r.consultant?.before.rewardFen).toBe(before.rewardFen);
    expect(r.consultant?.withSale?.rewardFen).toBe(after.rewardFen);
    expect(r.consultant?.rewardForCartFen).toBe(after.rewardFen - before.rewardFen);
    expect(r.consultant?.rewardForCartFen).toBe(596); // 1% less shortfall deduction on 595.89 counted
    // The return of 1 formula tin (277.08) takes back what that part of the sale earned.
    const back = consultantReward(s, [...month, sale, { ...sale, amountFen: -27708, returnOf: { saleAmountFen: total, returnedBeforeFen: 0 } }]);
    expect(r.consultant?.return).toMatchObject({ amountFen: -27708, countedFen: back.lines[2]?.countedFen });
    expect(r.consultant?.rewardForReturnFen).toBe(back.rewardFen - after.rewardFen);
    const text = formatWhatIf(r);
    expect(text).toContain("Consultant C01: month so far counted 171000.00 of 200000.00, reward 710.00");
    expect(text).toContain("cart 662.10 (other x1, kiosk x0.9) counts 595.89; reward for the cart +5.96");
    expect(text).toContain(`return -277.08 takes back ${yuan(-(back.lines[2]?.countedFen ?? 0))} counted`);
  });
  it("a full return, at once or after earlier returns, takes back all the cart earned", () => {
    const whole = { ...cart, return: { lines: [{ index: 0 }, { index: 1 }] } };
    const r = runWhatIf(config, whole, { consultant: history.consultant });
    expect(r.return?.totals.refundFen).toBe(66210);
    expect(r.consultant?.return?.countedFen).toBe(-59589);
    expect(r.consultant?.withReturn?.countedFen).toBe(r.consultant?.before.countedFen);
    expect(r.consultant?.withReturn?.rewardFen).toBe(r.consultant?.before.rewardFen);
    expect(r.consultant?.rewardForReturnFen).toBe(-596);
    const rest = { ...cart, return: { lines: [{ index: 0 }, { index: 1 }], previouslyReturned: [{ index: 0, qty: 1 }] } };
    const r2 = runWhatIf(config, rest, { consultant: history.consultant });
    expect(r2.consultant?.withReturn?.countedFen).toBe(r2.consultant?.before.countedFen);
    expect((r2.consultant?.sale?.countedFen ?? 0) + (r2.consultant?.return?.countedFen ?? 0)).toBe(24937); // the first tin's share, taken back before
  });
  it("classifies the sale from the card date and earlier purchases (or history.portrait), or takes the kind given", () => {
    const newMember = runWhatIf(config, cart, { consultant: { cardIssuedOn: "2024-04-20" } });
    expect(newMember.consultant?.sale).toMatchObject({ kind: "new-first", countedFen: 119178 }); // 662.10 x2 x0.9
    const fromPortrait = runWhatIf(config, cart, {
      consultant: {},
      portrait: { cardIssuedOn: "2024-04-20", purchases: [{ date: "2024-04-25", amountFen: 100 }] },
    });
    expect(fromPortrait.consultant?.sale?.kind).toBe("new-repeat");
    expect(runWhatIf(config, cart, { consultant: { kind: "lost-won-back" } }).consultant?.sale?.countedFen).toBe(178767); // x3 x0.9
    expect(() => runWhatIf(config, cart, { consultant: {} })).toThrow(expect.objectContaining({ field: "history.consultant.cardIssuedOn" }));
    expect(() => runWhatIf(config, { ...cart, member: null }, { consultant: { kind: "other" } })).toThrow(
      expect.objectContaining({ field: "history.consultant" }),
    );
    expect(() =>
      runWhatIf(config, undefined, {
        at: "2024-05-01",
        consultant: { monthSales: [{ amountFen: 5, kind: "other", channel: "till", returnOf: { saleAmountFen: 5, returnedBeforeFen: 0 } }] },
      }),
    ).toThrow(expect.objectContaining({ field: "history.consultant.monthSales.0.returnOf" }));
  });
});

describe("history.topUpRefund (top-up-refund.ts)", () => {
  const history = readExample("history-topup-consultant.json") as Record<string, unknown>;
  it("refunds the unspent rest of history.topUp: principal back, bonus and points taken back", () => {
    const r = runWhatIf(config, undefined, history);
    const expected = quoteTopUpRefund({
      topUp: { principalFen: 300000, bonusFen: 30000, points: 0, refundedPrincipalFen: 0, refundedBonusFen: 0, refundedPoints: 0 },
      member: { principalFen: 250000, bonusFen: 25000, pointsBalance: 320 },
    });
    expect(r.topUpRefund).toMatchObject(expected);
    expect(r.topUpRefund).toMatchObject({
      ok: true,
      quote: { principalFen: 250000, bonusDueFen: 25000, bonusBackFen: 25000, cashBackFen: 250000, keptPrincipalFen: 50000, keptBonusFen: 5000 },
    });
    const text = formatWhatIf(r);
    expect(text).toMatch(/principal refunded\s+2500\.00/);
    expect(text).toMatch(/bonus taken back\s+250\.00 \(250\.00 off the balance, 0\.00 already spent/);
    expect(text).toMatch(/points taken back\s+0\n/);
  });
  it("a given top-up: spent bonus is deducted, points taken back as far as the member has them, refusals shown", () => {
    const topUp = { principalFen: 100000, bonusFen: 10000, points: 100 };
    const r = runWhatIf(config, undefined, { at: "2024-05-01", topUpRefund: { topUp, member: { principalFen: 50000, bonusFen: 0, pointsBalance: 30 } } });
    expect(r.topUpRefund).toMatchObject({
      ok: true,
      quote: { principalFen: 50000, bonusDueFen: 5000, bonusBackFen: 0, bonusSpentFen: 5000, cashBackFen: 45000, pointsDue: 50, pointsBack: 30 },
    });
    const text = formatWhatIf(r);
    expect(text).toMatch(/points taken back\s+30 of 50 due/);
    expect(text).toMatch(/paid out\s+450\.00/);
    const none = runWhatIf(config, undefined, { at: "2024-05-01", topUpRefund: { topUp, member: { principalFen: 0, bonusFen: 0, pointsBalance: 0 } } });
    expect(none.topUpRefund).toMatchObject({ ok: false, reason: "NOTHING_LEFT" });
    expect(formatWhatIf(none)).toContain("Top-up refund (top-up 1000.00 + 100.00 bonus + 100 points): refused, NOTHING_LEFT");
    expect(() => runWhatIf(config, undefined, { at: "2024-05-01", topUpRefund: { member: { principalFen: 0, bonusFen: 0, pointsBalance: 0 } } })).toThrow(
      expect.objectContaining({ field: "history.topUpRefund.topUp" }),
    );
  });
});

describe("times are store-local, epoch seconds are refused", () => {
  it("prints the header, VIP until and gifts in store-local time with the offset, never UTC", () => {
    const text = formatWhatIf(runWhatIf(config, readExample("cart.json"), readExample("history.json")));
    expect(text.split("\n")[0]).toBe("What-if at 2024-05-01 10:30 (UTC+08:00), store day 2024-05-01");
    expect(text).toContain("until 2025-06-01 10:30 (UTC+08:00)");
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    const west = fullConfig((c) => {
      c.utcOffsetMinutes = -300;
    });
    const vip = {
      id: "m",
      cardClass: "vip-gold",
      vip: { classId: "vip-gold", expiresAt: "2024-05-01T00:00:00-05:00", previousClass: "standard", paidDays: 30 },
    };
    const r = runWhatIf(west, undefined, { at: "2024-05-01T09:15:00-05:00", vip });
    expect(r.atLocal).toBe("2024-05-01 09:15 (UTC-05:00)");
    expect(formatWhatIf(r)).toContain("VIP: expired 2024-05-01 00:00 (UTC-05:00), back to standard");
    const active = runWhatIf(west, undefined, { at: "2024-04-30T23:59:30-05:00", vip });
    expect(formatWhatIf(active)).toContain("What-if at 2024-04-30 23:59:30 (UTC-05:00)");
    expect(formatWhatIf(active)).toContain("VIP: no change (VIP until 2024-05-01 00:00 (UTC-05:00))");
  });
  it("formats offsets and local times", () => {
    expect(localTime(Date.UTC(2024, 3, 30, 16, 0), 480)).toBe("2024-05-01 00:00 (UTC+08:00)");
    expect(localTime(Date.UTC(2024, 4, 1, 2, 0, 5), -330)).toBe("2024-04-30 20:30:05 (UTC-05:30)");
    expect(localTime(0 + 100_000_000_000, 0)).toBe("1973-03-03 09:46:40 (UTC+00:00)");
  });
  const base = { at: "2024-05-01", lines: [{ sku: "rice-5kg", qty: 1 }] };
  it.each([
    ["cart.at", { ...base, at: 1714530600 }, undefined],
    ["cart.member.vipExpiresAt", { ...base, member: { id: "m", vipExpiresAt: 1714530600 } }, undefined],
    ["history.at", undefined, { at: 1714530600 }],
    [
      "history.vip.vip.expiresAt",
      undefined,
      {
        at: "2024-05-01",
        vip: { id: "m", cardClass: "vip-gold", vip: { classId: "vip-gold", expiresAt: 1714530600, previousClass: "standard", paidDays: 30 } },
      },
    ],
    ["history.vip.cardValidUntil", undefined, { at: "2024-05-01", vip: { id: "m", cardClass: "standard", cardValidUntil: 1714530600 } }],
  ])("refuses epoch seconds in %s", (field, cart, history) => {
    expect(() => runWhatIf(config, cart, history)).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field, message: `${field}: looks like epoch seconds; give milliseconds (x1000) or an ISO date` }),
    );
  });
  it("takes epoch ms and ISO times alike in those fields", () => {
    const ms = runWhatIf(config, { ...base, at: 1714530600000, member: { id: "m", vipExpiresAt: 1714579200000 } }, undefined);
    const iso = runWhatIf(config, { ...base, at: "2024-05-01T10:30:00+08:00", member: { id: "m", vipExpiresAt: "2024-05-02" } }, undefined);
    expect(ms.at).toBe(1714530600000);
    expect(iso.at).toBe(ms.at);
    expect(iso.receipt?.totals).toEqual(ms.receipt?.totals);
    expect(() => runWhatIf(config, { ...base, member: { id: "m", vipExpiresAt: "soon" } }, undefined)).toThrow(
      expect.objectContaining({ field: "cart.member.vipExpiresAt" }),
    );
  });
});

describe("a top-up's level change", () => {
  it("is shown as a level change line, effective at once with the new level's validity", () => {
    const r = runWhatIf(config, undefined, { at: "2024-05-01T10:30:00+08:00", level: { levelId: "normal" }, topUp: { amountFen: 100000 } });
    expect(r.topUp?.upgradeToLevelId).toBe("l95");
    expect(r.topUp?.levelChange).toEqual({
      from: "normal",
      to: "l95",
      kind: "upgrade",
      by: "top-up",
      effectiveOn: "2024-05-01",
      resetGrowth: false,
      validUntil: "2025-04-30",
      reason: "top-up rule t1000",
    });
    expect(r.level).toBeNull(); // 1000 yuan topped up: l95 reached, and the member is l95 now
    const text = formatWhatIf(r);
    expect(text).toContain("Level: normal -> l95 (by top-up) from 2024-05-01 until 2025-04-30 (top-up rule t1000)");
    expect(text).not.toContain("Level: no change");
  });
  it("the level check then starts from the new level", () => {
    const r = runWhatIf(config, readExample("cart.json"), { level: { levelId: "normal", cumulativeTopUpFen: 350000 }, topUp: { amountFen: 100000 } });
    expect(r.topUp?.levelChange).toMatchObject({ from: "normal", to: "l95" });
    expect(r.level).toMatchObject({ kind: "upgrade", from: "l95", to: "l80", effectiveOn: "2024-05-02" });
    const text = formatWhatIf(r);
    expect(text).toContain("Level: normal -> l95 (by top-up) from 2024-05-01");
    expect(text).toContain("Level: upgrade l95 -> l80 from 2024-05-02");
  });
  it("no line when the top-up's level is not above the member's", () => {
    const r = runWhatIf(config, undefined, readExample("history.json"));
    expect(r.topUp?.levelChange).toBeNull();
    expect(formatWhatIf(r)).not.toContain("(by top-up)");
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
  it("prints the consultant, top-up refund and top-up level lines of the example, and refuses epoch seconds", () => {
    const ok = run("--config", example("full-config.json"), "--cart", example("return-cart.json"), "--history", example("history-topup-consultant.json"));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("What-if at 2024-05-01 10:30 (UTC+08:00)");
    expect(ok.stdout).toContain("Level: l90 -> l85 (by top-up) from 2024-05-01 (top-up rule t3000)");
    expect(ok.stdout).toMatch(/principal refunded\s+2500\.00/);
    expect(ok.stdout).toContain("reward for the cart +5.96");
    const dir = mkdtempSync(join(tmpdir(), "whatif-"));
    const cart = join(dir, "cart.json");
    writeFileSync(cart, JSON.stringify({ at: 1714530600, lines: [{ sku: "rice-5kg", qty: 1 }] }));
    const bad = run("--config", example("full-config.json"), "--cart", cart);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("error: cart.at: looks like epoch seconds; give milliseconds (x1000) or an ISO date [RULES_INVALID_INPUT]\n");
  }, 30_000);
});
