// Receipt rendering: byte-level ESC/POS checks and an independent decode (npos) of text, Code 128 and QR.
import { Printer } from "@node-escpos/core";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { EscPosBuilder, parseStatus, textColumns } from "./escpos.js";
import { formatFen, maskCardNo, maskName, renderReceipt, row } from "./receipt.js";
import { decodeEscPos } from "./testing/decode-escpos.js";
import { sampleReceipt } from "./testing/sample-receipt.js";

describe("renderReceipt", () => {
  const job = renderReceipt(sampleReceipt());

  it("starts with ESC @ and ends with a cut", () => {
    expect([...job.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    expect([...job.subarray(-4)]).toEqual([0x1d, 0x56, 65, 4]);
  });

  it("prints Chinese in GBK and ¥ as the full-width ￥", () => {
    expect(job.includes(iconv.encode("有机牛奶", "gbk"))).toBe(true);
    expect(job.includes(Buffer.from("有机牛奶", "utf8"))).toBe(false);
    expect(job.includes(Buffer.from([0xa3, 0xa4]))).toBe(true); // ￥ in GBK
    expect(job.includes(Buffer.from("?", "ascii"))).toBe(true); // only the URL has '?'
    expect(job.includes(Buffer.from(" ? special"))).toBe(false);
  });

  it("decodes with an independent parser into the expected text, barcode and QR", () => {
    const d = decodeEscPos(job);
    expect(d.commands[0]).toBe("ESC @");
    expect(d.cuts).toBe(1);
    const text = d.lines.join("\n");
    for (const s of [
      "山姆会员店",
      "6222********1234 张*丰 VIP 金卡",
      "有机牛奶 1L",
      "会员价 ￥12.90",
      "￥25.80",
      "会员节省",
      "-￥6.00",
      "Coffee beans ￥ special",
      "0.75 x ￥128.00",
      "优惠券 满100减10",
      "-￥10.00",
      "合计",
      "￥193.30",
      "共节省",
      "￥23.50",
      "储值卡",
      "微信支付",
      "￥93.30",
      "储值余额",
      "￥45.60",
      "本次积分",
      "+193",
      "积分余额",
      "5210",
      "2026-01-01 12:05:06",
      "K-PD-03",
      "谢谢惠顾",
    ]) {
      expect(text).toContain(s);
    }
    expect(d.barcodes).toMatchObject([{ type: 73, data: "R20260101-000123" }]);
    expect(d.qrCodes).toEqual(["https://r.example.cn/e/R20260101-000123?k=K-PD-03"]);
    // Every text line fits the 48-column paper.
    for (const l of d.lines) expect(textColumns(l)).toBeLessThanOrEqual(48);
  });

  it("lays out 58 mm paper at 32 columns", () => {
    const d = decodeEscPos(renderReceipt(sampleReceipt(), { widthChars: 32 }));
    for (const l of d.lines) expect(textColumns(l)).toBeLessThanOrEqual(32);
  });

  it("refuses invalid data with RECEIPT_INVALID before anything is printed", () => {
    expect(() => renderReceipt(sampleReceipt({ lines: [] }))).toThrow(expect.objectContaining({ code: "RECEIPT_INVALID" }));
    expect(() => renderReceipt(sampleReceipt({ totalFen: 1.5 }))).toThrow(expect.objectContaining({ code: "RECEIPT_INVALID" }));
    expect(() => renderReceipt(sampleReceipt({ eReceiptUrl: "not a url" }))).toThrow(expect.objectContaining({ code: "RECEIPT_INVALID" }));
  });

  it("strips control characters from text so data cannot inject commands", () => {
    const d = decodeEscPos(renderReceipt(sampleReceipt({ storeName: "Shop\u001bi\u001dV" })));
    expect(d.cuts).toBe(1);
    expect(d.lines.join("\n")).toContain("ShopiV");
  });
});

describe("ESC/POS pieces", () => {
  it("formats money, masks, rows", () => {
    expect(formatFen(0)).toBe("￥0.00");
    expect(formatFen(-5)).toBe("-￥0.05");
    expect(formatFen(123456)).toBe("￥1234.56");
    expect(maskCardNo("6222020012341234")).toBe("6222********1234");
    expect(maskCardNo("123456")).toBe("****56");
    expect(maskName("李四")).toBe("李*");
    expect(maskName("Alice")).toBe("A***e");
    expect(row("合计", "￥1.00", 20)).toEqual(["合计          ￥1.00"]);
    for (const l of row("一二三四五六七八九十一二", "￥1.00", 20)) expect(textColumns(l)).toBeLessThanOrEqual(20);
  });

  it("builds Code 128 as GS k 73 n {B data", () => {
    const b = new EscPosBuilder().code128("AB12", { height: 50, hri: false }).build();
    expect(b.subarray(b.length - 10)).toEqual(Buffer.from([0x1d, 0x6b, 73, 6, 0x7b, 0x42, 0x41, 0x42, 0x31, 0x32]));
    // A digit run of 4 or more goes in code set C, one byte per pair.
    const c = new EscPosBuilder().code128("K1-123456", { hri: false }).build();
    expect(c.subarray(c.length - 14)).toEqual(Buffer.from([0x1d, 0x6b, 73, 10, 0x7b, 0x42, 0x4b, 0x31, 0x2d, 0x7b, 0x43, 12, 34, 56]));
    expect(() => new EscPosBuilder().code128("bad{")).toThrow(expect.objectContaining({ code: "RECEIPT_INVALID" }));
  });

  it("builds the Epson GS ( k QR sequence", () => {
    const b = new EscPosBuilder().qr("hi", { moduleSize: 4, ec: "Q" }).build();
    expect(b).toEqual(
      Buffer.from([
        0x1d, 0x28, 0x6b, 4, 0, 49, 65, 50, 0, 0x1d, 0x28, 0x6b, 3, 0, 49, 67, 4, 0x1d, 0x28, 0x6b, 3, 0, 49, 69, 50, 0x1d, 0x28, 0x6b, 5, 0, 49, 80, 48, 0x68,
        0x69, 0x1d, 0x28, 0x6b, 3, 0, 49, 81, 48,
      ]),
    );
  });

  it("parses DLE EOT status bytes", () => {
    expect(parseStatus(0x12, 0x12, 0x12)).toEqual({ online: true, coverOpen: false, paperOut: false, paperLow: false, error: false });
    expect(parseStatus(0x1a, 0x36, 0x7e)).toEqual({ online: false, coverOpen: true, paperOut: true, paperLow: true, error: false });
    expect(() => parseStatus(0xff, 0x12, 0x12)).toThrow(expect.objectContaining({ code: "STATUS_INVALID" }));
  });
});

describe("why the npm libraries are not used to render (DESIGN.md section 2)", () => {
  it("@node-escpos/core's Code 128 has no length byte, and the independent decoder then swallows what follows", () => {
    const chunks: Buffer[] = [];
    const adapter = {
      open: (cb?: (e: Error | null) => void) => (cb?.(null), adapter),
      write: (d: Buffer, cb?: (e: Error | null) => void) => (chunks.push(Buffer.from(d)), cb?.(null), adapter),
      close: (cb?: (e: Error | null) => void) => (cb?.(null), adapter),
      read: () => undefined,
    };
    const p = new Printer(adapter as never, { encoding: "GB18030" });
    p.hardware("init").barcode("12345678", "CODE128", { width: 2, height: 50 }).text("AFTER THE BARCODE");
    const job = p.buffer.flush();
    let swallowed: boolean;
    try {
      swallowed = !decodeEscPos(job).lines.join("").includes("AFTER THE BARCODE");
    } catch {
      swallowed = true;
    }
    expect(swallowed).toBe(true);
  });
});
