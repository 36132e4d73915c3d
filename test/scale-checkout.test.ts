// Weighed and loose goods at the kiosk: scale labels scanned into the cart (checked, priced by the rules, repeated labels counted), loose items picked from the store's list, and the sale fact the hub re-prices.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckoutError } from "../device/session/index.js";
import { BARCODE, SessionWorld, sessionRules } from "./session-world.js";

/** EAN-13 check digit, computed here (not with the code under test). */
const ean13 = (first12: string): string => first12 + String((10 - ([...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0) % 10)) % 10);
const APPLES_750G = ean13("212345000750");

function rules(): Record<string, unknown> {
  const r = sessionRules();
  const catalog = r.catalog as Array<Record<string, unknown>>;
  r.catalog = [...catalog, { sku: "bun", name: "馒头 Steamed bun", category: "bakery", priceFen: 150 }];
  r.scaleLabels = { value: "weight", plus: { "12345": "apples-1kg" }, pickList: ["bun"] };
  return r;
}

function refusal(fn: () => unknown): { code: string; reason?: string | undefined } | "accepted" {
  try {
    fn();
  } catch (err) {
    if (err instanceof CheckoutError) return { code: err.code, reason: err.reason };
    throw err;
  }
  return "accepted";
}

let w: SessionWorld;
afterEach(() => w.stop());

describe("scale labels", () => {
  beforeEach(async () => {
    w = await new SessionWorld().start({ loosePickList: true }, rules());
    w.addMember({ memberId: "m1", balanceFen: 50_000 });
    w.checkout.identify(w.code("Cm1"));
  });

  it("adds a label as its own line, priced at the weight with the member discount; the same label again is a second pack", () => {
    expect(w.checkout.addProduct(APPLES_750G)).toMatchObject({ sku: "apples-1kg", qty: 1, key: `scale-${APPLES_750G}` });
    const line = w.checkout.quote().lines[0]!;
    // 15.80/kg x 0.75 = 11.85 list; gold 90%: 14.22/kg x 0.75 = 10.665 -> 10.67.
    expect(line).toMatchObject({ lineBaseFen: 1185, lineMemberFen: 1067, scale: { weightG: 750, perUnitFen: 1580, memberPerUnitFen: 1422 } });
    w.checkout.addProduct(APPLES_750G);
    const other = ean13("212345001200");
    w.checkout.addProduct(other);
    expect(w.checkout.current).toMatchObject({
      lines: [
        { sku: "apples-1kg", qty: 2, scaleLabel: APPLES_750G },
        { sku: "apples-1kg", qty: 1, scaleLabel: other },
      ],
    });
    expect(w.checkout.quote().totals.totalFen).toBe(2 * 1067 + 1706); // 14.22 x 1.2 = 17.064 -> 17.06
    w.checkout.setQuantity(`scale-${APPLES_750G}`, 1);
    w.checkout.removeLine(`scale-${other}`);
    expect(w.checkout.current).toMatchObject({ lines: [{ qty: 1, scaleLabel: APPLES_750G }] });
  });

  it("refuses a misread label, an unknown PLU and a zero value with a reason the screen words; an ordinary barcode is a product", () => {
    const bad = APPLES_750G.slice(0, 12) + String((Number(APPLES_750G[12]) + 1) % 10);
    expect(refusal(() => w.checkout.addProduct(bad))).toEqual({ code: "SCALE_LABEL_INVALID", reason: "SCALE_BAD_CHECK_DIGIT" });
    expect(refusal(() => w.checkout.addProduct(ean13("299999000750")))).toEqual({ code: "SCALE_LABEL_INVALID", reason: "SCALE_UNKNOWN_PLU" });
    expect(refusal(() => w.checkout.addProduct(ean13("212345000000")))).toEqual({ code: "SCALE_LABEL_INVALID", reason: "SCALE_ZERO_VALUE" });
    expect(w.checkout.addProduct(BARCODE.milk)).toMatchObject({ sku: "milk-1l", key: "milk-1l" });
    expect(w.checkout.current).toMatchObject({ lines: [{ sku: "milk-1l", qty: 1 }] });
  });

  it("puts the label in the sale fact, so the hub reads it again", async () => {
    w.checkout.addProduct(APPLES_750G);
    w.checkout.addProduct(BARCODE.rice);
    const sale = await w.checkout.finish("external");
    expect(w.facts("sale").at(-1)!.fact).toMatchObject({
      lines: [
        { sku: "apples-1kg", qty: 1, scaleLabel: APPLES_750G },
        { sku: "rice-5kg", qty: 1 },
      ],
      hints: { subtotalFen: 1185 + 5990, totalFen: 1067 + 5391 },
    });
    expect(sale.receipt.lines[0]).toMatchObject({ weight: { grams: 750, perKgFen: 1580, memberPerKgFen: 1422 } });
  });
});

describe("loose items picked on screen", () => {
  it("adds what the store's pick list offers, when the store allows it", async () => {
    w = await new SessionWorld().start({ loosePickList: true }, rules());
    w.addMember({ memberId: "m1" });
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.addPick("bun")).toMatchObject({ sku: "bun", qty: 1, key: "bun" });
    w.checkout.addPick("bun");
    expect(w.checkout.current).toMatchObject({ lines: [{ sku: "bun", qty: 2 }] });
    // No barcode: points only because the demo rules have noBarcodeItemsEarn on.
    expect(w.checkout.quote().lines[0]).toMatchObject({ lineBaseFen: 300, pointsRule: "spend" });
    expect(refusal(() => w.checkout.addPick("rice-5kg"))).toEqual({ code: "PICK_NOT_OFFERED", reason: undefined });
  });

  it("offers nothing when the store policy is off", async () => {
    w = await new SessionWorld().start({}, rules());
    w.addMember({ memberId: "m1" });
    w.checkout.identify(w.code("Cm1"));
    expect(refusal(() => w.checkout.addPick("bun"))).toEqual({ code: "PICK_NOT_OFFERED", reason: undefined });
  });
});
