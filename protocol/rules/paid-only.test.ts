// Tests for goods only paid members may buy: active VIP and PLUS may, others (and expired VIPs) are refused with words.
import { describe, expect, it } from "vitest";
import { isPaidMember, paidOnlyRefusal } from "./paid-only.js";
import { at, fullConfig } from "./test-fixtures.js";

const config = fullConfig((c) => void (c.catalog = c.catalog?.map((p) => (p.sku === "rice-5kg" ? { ...p, paidMembersOnly: true } : p))));
const rice = config.catalog.find((p) => p.sku === "rice-5kg")!;
const milk = config.catalog.find((p) => p.sku !== "rice-5kg")!;
const T = at("2024-05-01T10:00");

describe("goods only paid members may buy", () => {
  it.each([
    ["an active VIP", { id: "m", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: T + 1 }, true],
    ["a PLUS member", { id: "m", cardClass: "standard", isPlus: true }, true],
    ["a free member", { id: "m", cardClass: "standard" }, false],
    ["an expired VIP", { id: "m", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: T }, false],
    ["a guest", null, false],
  ] as const)("%s", (_n, member, paid) => {
    expect(isPaidMember(config, member, T)).toBe(paid);
    const r = paidOnlyRefusal(config, rice, member, T);
    if (paid) expect(r).toBeNull();
    else expect(r).toMatchObject({ code: "PAID_MEMBERS_ONLY", sku: "rice-5kg", message: expect.stringMatching(/仅限付费会员购买.*join VIP/) });
  });
  it("other goods are for everyone", () => {
    expect(paidOnlyRefusal(config, milk, { id: "m", cardClass: "standard" }, T)).toBeNull();
  });
});
