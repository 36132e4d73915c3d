// Renders a ReceiptData into one ESC/POS job (ESC @ first, GBK text wrapped to the paper, Code 128 that fits or none, GS ( k QR with its caption, cut).
import { code128ModuleWidth } from "./code128.js";
import { EscPosBuilder } from "./escpos.js";
import { rowLines, wrapText } from "./gbk-text.js";
import { PrinterError, layoutSchema, receiptDataSchema, type ParsedReceiptData, type ReceiptData, type ReceiptLayout } from "./types.js";

/** ￥12.50 / -￥0.30 (full-width yuan sign, the one GBK has). */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}\uffe5${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** 6222020012341234 -> 6222********1234 (first 4 and last 4 kept; short numbers keep the last 2). */
export function maskCardNo(cardNo: string): string {
  const s = cardNo.trim();
  if (s.length <= 4) return "*".repeat(Math.max(s.length - 1, 1)) + s.slice(-1);
  if (s.length <= 8) return "*".repeat(s.length - 2) + s.slice(-2);
  return s.slice(0, 4) + "*".repeat(s.length - 8) + s.slice(-4);
}

/** 张三丰 -> 张*丰, 李四 -> 李*, Alice -> A***e. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${"*".repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

export function formatTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
}

function formatQty(qty: number): string {
  return Number.isInteger(qty) ? String(qty) : qty.toFixed(3).replace(/0+$/, "");
}

/** 750 -> 0.750kg (a scale label's weight, to the gram). */
function formatKg(grams: number): string {
  return `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, "0")}kg`;
}

/** Chinese labels, with English after them when the layout asks for it. */
const LABELS = {
  time: ["时间", "Time"],
  kiosk: ["终端", "Kiosk"],
  receiptNo: ["单号", "No."],
  member: ["会员", "Member"],
  memberPrice: ["会员价", "member"],
  memberSaved: ["会员节省", "Member saving"],
  coupon: ["优惠券", "Coupon"],
  rounding: ["抹零", "Rounding"],
  total: ["合计", "Total"],
  refundTotal: ["退款合计", "Refund total"],
  listTotal: ["原价", "List price"],
  saved: ["共节省", "You saved"],
  change: ["找零", "Change"],
  balance: ["储值余额", "Stored value left"],
  pointsEarned: ["本次积分", "Points this time"],
  pointsReturned: ["积分变动", "Points change"],
  pointsBalance: ["积分余额", "Points balance"],
  validUntil: ["有效期至", "Valid until"],
  qrSale: ["扫码查看电子小票", "Scan for your e-receipt"],
  qrClaim: ["结账码：请到人工收银台出示，付款后生效", "Show at a staffed till to pay"],
  qrReturn: ["扫码查看原单电子小票及退货记录", "Scan for the sale's e-receipt and its returns"],
  notPaid: ["未付款", "NOT PAID"],
  returnSlip: ["退货单", "RETURN"],
} as const;

type Label = keyof typeof LABELS;

/** Left text and right text on one line padded to the width; wraps (see rowLines) when they do not fit. */
export function row(left: string, right: string, width: number): string[] {
  return rowLines(left, right, width, "  ");
}

/** Validates the data (throws RECEIPT_INVALID) and renders the job. */
export function renderReceipt(input: ReceiptData, layoutInput: Partial<ReceiptLayout> = {}): Buffer {
  const parsed = receiptDataSchema.safeParse(input);
  if (!parsed.success)
    throw new PrinterError("RECEIPT_INVALID", `receipt data invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const layout = layoutSchema.parse(layoutInput);
  return renderParsed(parsed.data, layout);
}

function renderParsed(d: ParsedReceiptData, layout: ReceiptLayout): Buffer {
  const w = layout.widthChars;
  const label = (k: Label): string => (layout.english ? `${LABELS[k][0]} ${LABELS[k][1]}` : LABELS[k][0]);
  const rule = "-".repeat(w);
  const b = new EscPosBuilder().init(layout.cjk);
  const rows = (left: string, right: string): void => {
    for (const l of row(left, right, w)) b.line(l);
  };
  const wrapped = (text: string, indent = ""): void => {
    for (const l of wrapText(text, w, indent)) b.line(l);
  };

  b.align("center").bold(true).size(2, 2);
  for (const l of wrapText(d.storeName, Math.floor(w / 2))) b.line(l);
  b.size(1, 1).bold(false);
  if (d.storeAddress) wrapped(d.storeAddress);
  if (d.kind === "claim") b.bold(true).line(label("notPaid")).bold(false);
  if (d.kind === "return") b.bold(true).line(label("returnSlip")).bold(false);
  b.align("left").line(rule);
  rows(label("time"), formatTime(d.time, layout.timeZone));
  rows(label("kiosk"), d.kioskId);
  rows(label("receiptNo"), d.receiptNo);
  if (d.member) rows(label("member"), [d.member.maskedCardNo, d.member.maskedName, d.member.level].filter(Boolean).join(" "));
  b.line(rule);

  for (const l of d.lines) {
    wrapped(l.name);
    const wt = l.weight;
    const priced = wt
      ? // 0.750kg x ￥15.80/kg (n x before it for n identical labelled packs); the member per-kg price on a row of its own.
        `${l.qty > 1 ? `${formatQty(l.qty)} x ` : ""}${formatKg(wt.grams)} x ${formatFen(wt.perKgFen)}/kg`
      : l.memberUnitPriceFen < l.unitPriceFen
        ? `${formatQty(l.qty)} x ${formatFen(l.unitPriceFen)} ${label("memberPrice")} ${formatFen(l.memberUnitPriceFen)}`
        : `${formatQty(l.qty)} x ${formatFen(l.unitPriceFen)}`;
    rows(`  ${priced}`, formatFen(l.lineTotalFen));
    if (wt && wt.memberPerKgFen < wt.perKgFen) b.line(`  ${label("memberPrice")} ${formatFen(wt.memberPerKgFen)}/kg`);
    if (l.savingsFen > 0) rows(`  ${label("memberSaved")}`, formatFen(-l.savingsFen));
  }
  b.line(rule);

  // Printed once each: list price, coupons, rounding; what was saved is list price minus the total.
  const saved = d.lines.reduce((s, l) => s + l.savingsFen, 0) + d.coupons.reduce((s, c) => s + c.amountFen, 0) + d.roundingFen;
  if (saved > 0) rows(label("listTotal"), formatFen(d.totalFen + saved));
  for (const c of d.coupons) rows(`${label("coupon")} ${c.name}`, formatFen(-c.amountFen));
  if (d.roundingFen > 0) rows(label("rounding"), formatFen(-d.roundingFen));
  b.bold(true);
  rows(d.kind === "return" ? label("refundTotal") : label("total"), formatFen(d.kind === "return" ? -d.totalFen : d.totalFen));
  b.bold(false);
  if (saved > 0) rows(label("saved"), formatFen(saved));
  b.line(rule);

  for (const t of d.tenders) rows(t.label, formatFen(t.amountFen));
  if (d.changeFen > 0) rows(label("change"), formatFen(d.changeFen));
  if (d.storedValueBalanceFen !== null) rows(label("balance"), formatFen(d.storedValueBalanceFen));
  if (d.points) {
    rows(d.kind === "return" ? label("pointsReturned") : label("pointsEarned"), `${d.points.earned >= 0 ? "+" : ""}${d.points.earned}`);
    rows(label("pointsBalance"), String(d.points.balance));
  }
  if (d.validUntil !== undefined) rows(label("validUntil"), formatTime(d.validUntil, layout.timeZone).slice(0, 16));
  b.line(rule);

  b.align("center");
  const dots = layout.printDots ?? w * 12;
  const mw = layout.receiptBarcode && /^[\x20-\x7a|}~]+$/.test(d.receiptNo) && !d.receiptNo.includes("{") ? code128ModuleWidth(d.receiptNo, dots) : undefined;
  if (mw !== undefined) b.code128(d.receiptNo, { height: 60, moduleWidth: mw }).feed(1);
  wrapped(d.kind === "claim" ? label("qrClaim") : d.kind === "return" ? label("qrReturn") : label("qrSale"));
  b.qr(d.eReceiptUrl, { moduleSize: layout.qrModuleSize, ec: "M" }).feed(1);
  for (const f of d.footer) wrapped(f);
  b.align("left");
  return b.cut(4).build();
}
