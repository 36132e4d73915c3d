// The kiosk refuses goods only paid members may buy (seed 000) to free members and expired VIPs, with words, and sells them to an active VIP.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { CheckoutError } from "../device/session/index.js";
import { BARCODE, DAY, SessionWorld, T0, sessionRules } from "./session-world.js";

let w: SessionWorld;
beforeEach(async () => {
  const rules = sessionRules();
  rules.catalog = (rules.catalog as Array<Record<string, unknown>>).map((p) => (p.sku === "olive-oil-1l" ? { ...p, paidMembersOnly: true } : p));
  w = await new SessionWorld().start({}, rules);
  w.addMember({ memberId: "free" });
  w.addMember({ memberId: "vip", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: T0 + 30 * DAY });
  w.addMember({ memberId: "lapsed", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: T0 - DAY });
});
afterEach(() => w.stop());

function scan(memberId: string, barcode: string): { code: string; message: string } {
  w.checkout.identify(w.code(`C${memberId}`));
  try {
    w.checkout.addProduct(barcode);
    return { code: "accepted", message: "" };
  } catch (err) {
    if (err instanceof CheckoutError) return { code: err.code, message: err.message };
    throw err;
  } finally {
    w.checkout.cancel();
    w.checkout.cancel();
  }
}

describe("goods only paid members may buy", () => {
  it("refuses them to a free member and an expired VIP with a clear message, and sells them to an active VIP", () => {
    const free = scan("free", BARCODE.oil);
    expect(free.code).toBe("PAID_MEMBERS_ONLY");
    expect(free.message).toMatch(/仅限付费会员购买.*for paid members only/);
    expect(scan("lapsed", BARCODE.oil).code).toBe("PAID_MEMBERS_ONLY");
    expect(scan("vip", BARCODE.oil).code).toBe("accepted");
    expect(scan("free", BARCODE.rice).code).toBe("accepted");
  });
});
