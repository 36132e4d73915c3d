// A realistic receipt for tests, benches and the demo: member prices, a coupon, points, two tenders, stored value.
import { maskCardNo, maskName } from "../receipt.js";
import type { ReceiptData } from "../types.js";

export function sampleReceipt(overrides: Partial<ReceiptData> = {}): ReceiptData {
  return {
    storeName: "山姆会员店 浦东店",
    storeAddress: "上海市浦东新区示例路 88 号",
    kioskId: "K-PD-03",
    receiptNo: "R20260101-000123",
    time: Date.UTC(2026, 0, 1, 4, 5, 6), // 12:05:06 in Shanghai
    member: { maskedCardNo: maskCardNo("6222020012341234"), maskedName: maskName("张三丰"), level: "VIP 金卡" },
    lines: [
      { name: "有机牛奶 1L", qty: 2, unitPriceFen: 1590, memberUnitPriceFen: 1290, lineTotalFen: 2580, savingsFen: 600 },
      { name: "Coffee beans ¥ special", qty: 1, unitPriceFen: 8900, memberUnitPriceFen: 8900, lineTotalFen: 8900, savingsFen: 0 },
      { name: "进口车厘子", qty: 0.75, unitPriceFen: 12800, memberUnitPriceFen: 11800, lineTotalFen: 8850, savingsFen: 750 },
    ],
    coupons: [{ name: "满100减10", amountFen: 1000 }],
    totalFen: 19330,
    points: { earned: 193, balance: 5210 },
    tenders: [
      { method: "stored_value", label: "储值卡", amountFen: 10000 },
      { method: "wechat", label: "微信支付", amountFen: 9330 },
    ],
    changeFen: 0,
    storedValueBalanceFen: 4560,
    eReceiptUrl: "https://r.example.cn/e/R20260101-000123?k=K-PD-03",
    footer: ["谢谢惠顾 Thank you"],
    ...overrides,
  };
}
