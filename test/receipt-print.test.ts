// Receipts as a shopper holds them: real checkouts (coupon, points as cash, rounding, claim, return) rendered at 58 and 80 mm and read back with npos.
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderReceipt } from "../device/printer/receipt.js";
import { decodeEscPos, type DecodedJob } from "../device/printer/testing/decode-escpos.js";
import { sampleReceipt } from "../device/printer/testing/sample-receipt.js";
import type { ReceiptData } from "../device/printer/types.js";
import { Returns } from "../device/returns.js";
import { BARCODE, SessionWorld, sessionRules } from "./session-world.js";

const TIMEOUTS = { shoppingIdleMs: 120_000, doneMs: 8_000, cancelledMs: 5_000, returnIdleMs: 60_000 };
const PAPERS = [
  { name: "58 mm", widthChars: 32, dots: 384 },
  { name: "80 mm", widthChars: 48, dots: 576 },
] as const;

/** Columns as a GBK printer counts them: one per byte of the line's GBK encoding (measured here, not with the code under test). */
const gbkColumns = (s: string): number => iconv.encode(s, "gbk").length;
const fen = (s: string): number => {
  const m = /(-?)￥(\d+)\.(\d\d)\s*$/.exec(s);
  if (!m) throw new Error(`no amount at the end of: ${s}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
};
/** The rows that start with `start`, each joined with its wrapped continuation lines up to the one ending in an amount. */
function lineWith(d: DecodedJob, start: string): string[] {
  const out: string[] = [];
  d.lines.forEach((l, i) => {
    if (!l.trimStart().startsWith(start)) return;
    let row = l;
    for (let j = i + 1; !/￥\d+\.\d\d\s*$/.test(row) && j < d.lines.length && j <= i + 3; j++) row += ` ${d.lines[j]!.trim()}`;
    out.push(row);
  });
  return out;
}

/** Each GBK text byte is printable ASCII, a newline, or a valid double-byte pair (lead 81-FE, trail 40-FE but not 7F). */
function invalidGbkAt(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a || (b >= 0x20 && b <= 0x7e)) continue;
    const t = bytes[i + 1] ?? 0;
    if (b >= 0x81 && b <= 0xfe && t >= 0x40 && t <= 0xfe && t !== 0x7f) {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

function rulesWith(patch: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const r = sessionRules();
  patch(r);
  return r;
}

describe("sale receipts from real checkouts", () => {
  let w: SessionWorld;
  beforeEach(async () => {
    // Cash rounding to 0.10 yuan, so the rounding line shows up.
    w = await new SessionWorld().start(
      { session: TIMEOUTS },
      rulesWith((r) => void (r.rounding = { cashUnitFen: 10 })),
    );
  });
  afterEach(() => w.stop());

  async function couponSale(): Promise<ReceiptData> {
    w.addMember({ memberId: "c1", balanceFen: 0, pointsBalance: 1_000, coupons: [{ instanceId: "i-200-50", couponId: "t200-50", expiresOn: "2026-12-31" }] });
    w.checkout.identify(w.code("Cc1"));
    for (const b of [BARCODE.rice, BARCODE.rice, BARCODE.diapers]) w.checkout.addProduct(b);
    w.checkout.setUsePoints(true);
    const sale = await w.checkout.finish("external");
    return sale.receipt;
  }

  for (const paper of PAPERS) {
    it(`counts the coupon once and prints a saving equal to list minus paid (${paper.name})`, async () => {
      const receipt = await couponSale();
      const sale = w.store.sale(
        w.store
          .entries()
          .map((e) => e.fact)
          .find((f) => f.type === "sale")!.saleId as string,
      )!;
      const t = sale.priced.totals;
      expect(t.couponDiscountFen).toBe(5000);
      expect(t.cashRoundingFen).toBeGreaterThan(0);
      expect(t.pointsCashFen).toBeGreaterThan(0);
      const d = decodeEscPos(renderReceipt(receipt, { widthChars: paper.widthChars }));
      const text = d.lines.join("\n");
      // Rice 59.90, member price 53.91 (gold 90% of 54.90): 2 x 53.91 = 107.82, not 107.82 minus a coupon share.
      expect(text).toContain("会员价 ￥53.91");
      expect(text).toContain("￥107.82");
      expect(lineWith(d, "优惠券")).toHaveLength(1);
      expect(fen(lineWith(d, "优惠券")[0]!)).toBe(-5000);
      const linesSum = [107_82, 116_10].reduce((a, b) => a + b, 0);
      expect(text).toContain("￥116.10");
      const rounding = fen(lineWith(d, "抹零")[0]!);
      const total = fen(lineWith(d, "合计")[0]!);
      expect(linesSum - 5000 + rounding).toBe(total);
      expect(total).toBe(t.totalFen);
      // Per-line savings are member-price savings only (2 x 5.99, 12.90), never the coupon share.
      expect(lineWith(d, "会员节省").map(fen)).toEqual([-1198, -1290]);
      const list = fen(lineWith(d, "原价")[0]!);
      expect(list).toBe(t.subtotalFen);
      expect(fen(lineWith(d, "共节省")[0]!)).toBe(list - total);
      // Points as cash is a tender (part of what was paid), not a saving.
      expect(text).toMatch(/积分抵现\(\d+分\)/);
      const tenders = [...lineWith(d, "积分抵现"), ...lineWith(d, "其他支付")].map(fen);
      expect(tenders.reduce((a, b) => a + b, 0)).toBe(total);
      // No stored value: no "储值余额 ￥0.00".
      expect(text).not.toContain("储值余额");
      expect(text).toContain("会员");
      expect(text).toContain("王*明");
      expect(text).toContain("扫码查看电子小票");
      for (const l of d.lines) expect(gbkColumns(l), l).toBeLessThanOrEqual(paper.widthChars);
      expect(invalidGbkAt(d.textBytes)).toBe(-1);
    });
  }

  it("prints the counter ticket's expiry in store time with a claim caption, not the e-receipt one", async () => {
    w.addMember({ memberId: "m1", balanceFen: 50_000 });
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const claim = await w.checkout.payAtCounter();
    for (const paper of PAPERS) {
      const d = decodeEscPos(renderReceipt(claim.receipt, { widthChars: paper.widthChars, timeZone: "Asia/Shanghai" }));
      const text = d.lines.join("\n");
      // T0 is 10:00 in the store; the ticket is valid 60 minutes.
      expect(text).toContain("2026-11-22 10:00:00");
      expect(d.lines.find((l) => l.startsWith("有效期至"))).toMatch(/2026-11-22 11:00$/);
      expect(text).not.toMatch(/UTC/);
      expect(text).toContain("未付款");
      expect(text).toContain("结账码");
      expect(text).not.toContain("扫码查看电子小票");
      expect(text).toContain("到收银台付款");
      expect(d.qrCodes).toEqual([claim.receipt.eReceiptUrl]);
      for (const l of d.lines) expect(gbkColumns(l), l).toBeLessThanOrEqual(paper.widthChars);
    }
  });

  it("prints a return slip in Chinese with a caption saying what its QR is", async () => {
    const returns = new Returns({
      store: w.store,
      config: () => w.config,
      clock: w.clock,
      timers: w.timers,
      deviceId: "k1",
      log: w.log,
      printer: { print: (r) => Promise.resolve(void w.receipts.push(r)) },
      onCommitted: () => undefined,
      kioskFree: () => true,
    });
    try {
      w.addMember({ memberId: "r1", balanceFen: 100_000 });
      w.checkout.identify(w.code("Cr1"));
      w.checkout.addProduct(BARCODE.rice);
      w.checkout.addProduct(BARCODE.milk);
      const sale = await w.checkout.finish("balance");
      w.timers.advance(TIMEOUTS.doneMs);
      returns.start("s1");
      returns.loadReceipt(sale.receipt.eReceiptUrl);
      const done = await returns.confirm([{ index: 0, qty: 1 }]);
      const d = decodeEscPos(renderReceipt(done.receipt, { widthChars: 32 }));
      const text = d.lines.join("\n");
      expect(text).toContain("退货单");
      expect(text).toContain("退款合计");
      expect(text).toContain("退回储值");
      // The QR is the sale's own e-receipt address with its token (the hub opens it only with one), and the caption says so.
      expect(text).toContain("扫码查看原单电子小票及退货记录");
      expect(d.qrCodes).toEqual([sale.receipt.eReceiptUrl]);
      const token = w.facts("sale").at(-1)!.fact.receiptToken as string;
      expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(d.qrCodes[0]).toBe(`${w.config.device.receiptUrlBase}${sale.saleId}.${token}`);
      // Scanned again at a kiosk in return mode, the slip's QR finds the sale.
      returns.start("s1");
      expect(returns.loadReceipt(d.qrCodes[0]!).sale.saleId).toBe(sale.saleId);
      expect(text).not.toMatch(/Refund to|RETURN of/);
      expect(fen(lineWith(d, "退款合计")[0]!)).toBe(done.result.totals.refundFen);
    } finally {
      returns.stop();
    }
  });
});

describe("weighed goods from a scale label", () => {
  let w: SessionWorld;
  /** EAN-13 check digit, computed here (not with the code under test). */
  const ean13 = (first12: string): string => first12 + String((10 - ([...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0) % 10)) % 10);
  beforeEach(async () => {
    w = await new SessionWorld().start(
      { session: TIMEOUTS },
      rulesWith((r) => void (r.scaleLabels = { value: "weight", plus: { "12345": "apples-1kg" } })),
    );
  });
  afterEach(() => w.stop());

  for (const paper of PAPERS) {
    it(`prints the weight and the per-kg list and member prices, and the line at the weight (${paper.name})`, async () => {
      w.addMember({ memberId: "g1", balanceFen: 0 });
      w.checkout.identify(w.code("Cg1"));
      w.checkout.addProduct(ean13("212345000750"));
      w.checkout.addProduct(BARCODE.milk);
      const sale = await w.checkout.finish("external");
      const d = decodeEscPos(renderReceipt(sale.receipt, { widthChars: paper.widthChars }));
      const text = d.lines.join("\n");
      // 0.750 kg of apples at 15.80/kg, gold 90%: 14.22/kg, 10.665 -> 10.67 (half-up); list 11.85.
      const apples = lineWith(d, "0.750kg");
      expect(apples).toHaveLength(1);
      expect(apples[0]).toMatch(/^\s*0\.750kg x ￥15\.80\/kg\s+￥10\.67$/);
      expect(fen(apples[0]!)).toBe(1067);
      const at = d.lines.findIndex((l) => l.includes("0.750kg"));
      expect(d.lines[at + 1]?.trim()).toBe("会员价 ￥14.22/kg");
      expect(lineWith(d, "会员节省").map(fen)).toEqual([-118, -125]);
      expect(fen(lineWith(d, "合计")[0]!)).toBe(1067 + 1125);
      for (const l of d.lines) expect(gbkColumns(l), l).toBeLessThanOrEqual(paper.widthChars);
      expect(invalidGbkAt(d.textBytes)).toBe(-1);
      expect(text).toContain("扫码查看电子小票");
    });
  }
});

describe("receipt text on 58 and 80 mm paper", () => {
  const awkward: ReceiptData = sampleReceipt({
    storeName: "山姆会员店 上海浦东新区张江高科技园区旗舰店",
    lines: [
      { name: "奥利奥® Oreo 夹心饼干 原味 × 2 — 经典装 ①", qty: 2, unitPriceFen: 5990, memberUnitPriceFen: 5391, lineTotalFen: 10782, savingsFen: 1198 },
      { name: "冷藏 4℃ · 牛排 ★ 特级 α…№7 café – 进口", qty: 1, unitPriceFen: 1234567, memberUnitPriceFen: 1200000, lineTotalFen: 1200000, savingsFen: 34567 },
      { name: "Crème brûlée €5 ™ 😀 ½ price", qty: 1, unitPriceFen: 990, memberUnitPriceFen: 990, lineTotalFen: 990, savingsFen: 0 },
    ],
    coupons: [{ name: "满200减50 全场通用 会员专享优惠券", amountFen: 5000 }],
    totalFen: 10782 + 1200000 + 990 - 5000,
    tenders: [
      { method: "stored_value", label: "储值支付(离线) Stored value offline", amountFen: 1000000 },
      { method: "wechat", label: "其他支付", amountFen: 0 },
    ],
  });
  // Make the tenders add up to the total (the printer does not check tenders, only the cart).
  awkward.tenders[1]!.amountFen = awkward.totalFen - 1000000;

  for (const paper of PAPERS) {
    it(`wraps instead of cutting, measures GBK double-width characters, never cuts a price (${paper.name})`, () => {
      const d = decodeEscPos(renderReceipt(awkward, { widthChars: paper.widthChars }));
      for (const l of d.lines) expect(gbkColumns(l), l).toBeLessThanOrEqual(paper.widthChars);
      const text = d.lines.join("\n");
      // Every amount appears whole on one line.
      for (const amount of ["￥59.90", "￥53.91", "￥107.82", "-￥11.98", "￥12345.67", "￥12000.00", "-￥345.67", "-￥50.00", "￥10000.00"])
        expect(text).toContain(amount);
      // Nothing is lost from names, store name or tender names (wrapped lines joined back).
      const flat = d.lines.map((l) => l.trim()).join("");
      for (const s of ["张江高科技园区旗舰店", "经典装", "①", "№7", "进口", "储值支付(离线)", "Storedvalueoffline", "全场通用会员专享优惠券"])
        expect(flat.replace(/\s/g, "")).toContain(s.replace(/\s/g, ""));
    });

    it(`maps characters outside GBK and never prints an invalid GBK byte (${paper.name})`, () => {
      const d = decodeEscPos(renderReceipt(awkward, { widthChars: paper.widthChars }));
      expect(invalidGbkAt(d.textBytes)).toBe(-1);
      const flat = d.lines.map((l) => l.trim()).join(" ");
      expect(flat).toContain("奥利奥(R)");
      expect(flat).toContain("EUR5");
      expect(flat).toContain("TM");
      expect(flat).toContain("1/2");
      expect(flat).not.toContain("€");
      // The emoji has no GBK form: it is a '?', and the only one.
      expect(flat.match(/\?/g)?.length).toBe(1);
    });

    it(`prints a Code 128 that fits the print area (code set C for digits), or only the QR (${paper.name})`, () => {
      const d = decodeEscPos(renderReceipt(sampleReceipt(), { widthChars: paper.widthChars }));
      expect(d.barcodes).toHaveLength(1);
      const bc = d.barcodes[0]!;
      expect(bc.data).toBe("R20260101-000123");
      // start (counted in symbols as the first set switch) + data and switches + check, 11 modules each; stop 13; quiet zones 10 each side.
      const modules = (bc.symbols + 1) * 11 + 13 + 20;
      expect(modules * bc.moduleWidth).toBeLessThanOrEqual(paper.dots);
      expect(bc.moduleWidth).toBeGreaterThanOrEqual(2);
      const long = decodeEscPos(renderReceipt(sampleReceipt({ receiptNo: "RETURN-KIOSK-PUDONG-ZJ-03-ABCDEFGH" }), { widthChars: paper.widthChars }));
      if (paper.widthChars === 32) expect(long.barcodes).toEqual([]);
      for (const b of long.barcodes) expect(((b.symbols + 1) * 11 + 33) * b.moduleWidth).toBeLessThanOrEqual(paper.dots);
      expect(long.qrCodes).toHaveLength(1);
    });
  }

  it("prints English after the Chinese labels only when the layout asks", () => {
    const zh = decodeEscPos(renderReceipt(sampleReceipt())).lines.join("\n");
    const both = decodeEscPos(renderReceipt(sampleReceipt(), { english: true })).lines.join("\n");
    expect(zh).not.toContain("Total");
    expect(both).toContain("合计 Total");
    expect(both).toContain("扫码查看电子小票 Scan for your e-receipt");
  });

  it("refuses data whose lines, coupons and rounding do not add up to the total (a coupon counted twice)", () => {
    const r = sampleReceipt();
    expect(() => renderReceipt({ ...r, lines: r.lines.map((l, i) => (i === 0 ? { ...l, lineTotalFen: l.lineTotalFen - 300 } : l)) })).toThrow(
      expect.objectContaining({ code: "RECEIPT_INVALID" }),
    );
  });
});
