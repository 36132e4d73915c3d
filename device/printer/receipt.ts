// Renders a ReceiptData into one ESC/POS job (ESC @ first, GBK text, Code 128 receipt number, GS ( k e-receipt QR, cut).
import { EscPosBuilder, textColumns } from "./escpos.js";
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

/** Cuts text to at most `cols` printed columns. */
function fit(text: string, cols: number): string {
  if (textColumns(text) <= cols) return text;
  let out = "";
  for (const ch of text) {
    if (textColumns(out + ch) > cols) break;
    out += ch;
  }
  return out;
}

/** Left text and right text on one line, padded to the paper width. */
export function row(left: string, right: string, width: number): string {
  const r = fit(right, width);
  const l = fit(left, Math.max(0, width - textColumns(r) - 1));
  return l + " ".repeat(Math.max(1, width - textColumns(l) - textColumns(r))) + r;
}

/** Validates the data (throws RECEIPT_INVALID) and renders the job. */
export function renderReceipt(input: ReceiptData, layoutInput: Partial<ReceiptLayout> = {}): Buffer {
  const parsed = receiptDataSchema.safeParse(input);
  if (!parsed.success) throw new PrinterError("RECEIPT_INVALID", `receipt data invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const layout = layoutSchema.parse(layoutInput);
  return renderParsed(parsed.data, layout);
}

function renderParsed(d: ParsedReceiptData, layout: ReceiptLayout): Buffer {
  const w = layout.widthChars;
  const rule = "-".repeat(w);
  const b = new EscPosBuilder().init(layout.cjk);

  b.align("center").bold(true).size(2, 2).line(fit(d.storeName, Math.floor(w / 2))).size(1, 1).bold(false);
  if (d.storeAddress) b.line(fit(d.storeAddress, w));
  b.align("left").line(rule);
  b.line(row("时间", formatTime(d.time, layout.timeZone), w));
  b.line(row("终端", d.kioskId, w));
  b.line(row("单号", d.receiptNo, w));
  if (d.member) {
    const who = [d.member.maskedCardNo, d.member.maskedName, d.member.level].filter(Boolean).join(" ");
    b.line(row("会员", who, w));
  }
  b.line(rule);

  for (const l of d.lines) {
    b.line(fit(l.name, w));
    const priced = l.memberUnitPriceFen < l.unitPriceFen ? `${formatQty(l.qty)} x ${formatFen(l.unitPriceFen)} 会员价 ${formatFen(l.memberUnitPriceFen)}` : `${formatQty(l.qty)} x ${formatFen(l.unitPriceFen)}`;
    b.line(row(`  ${priced}`, formatFen(l.lineTotalFen), w));
    if (l.savingsFen > 0) b.line(row("  会员节省", formatFen(-l.savingsFen), w));
  }
  b.line(rule);

  for (const c of d.coupons) b.line(row(`优惠券 ${c.name}`, formatFen(-c.amountFen), w));
  const savings = d.lines.reduce((s, l) => s + l.savingsFen, 0) + d.coupons.reduce((s, c) => s + c.amountFen, 0);
  b.bold(true).line(row("合计", formatFen(d.totalFen), w)).bold(false);
  if (savings > 0) b.line(row("共节省", formatFen(savings), w));
  b.line(rule);

  for (const t of d.tenders) b.line(row(`支付 ${t.label}`, formatFen(t.amountFen), w));
  if (d.changeFen > 0) b.line(row("找零", formatFen(d.changeFen), w));
  if (d.storedValueBalanceFen !== null) b.line(row("储值余额", formatFen(d.storedValueBalanceFen), w));
  if (d.points) {
    b.line(row("本次积分", `${d.points.earned >= 0 ? "+" : ""}${d.points.earned}`, w));
    b.line(row("积分余额", String(d.points.balance), w));
  }
  b.line(rule);

  b.align("center");
  if (layout.receiptBarcode && /^[\x20-\x7a|}~]+$/.test(d.receiptNo)) b.code128(d.receiptNo, { height: 60 }).feed(1);
  b.line("扫码查看电子小票");
  b.qr(d.eReceiptUrl, { moduleSize: layout.qrModuleSize, ec: "M" }).feed(1);
  for (const f of d.footer) b.line(fit(f, w));
  b.align("left");
  return b.cut(4).build();
}
