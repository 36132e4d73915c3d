// E-receipts: the page behind a printed receipt's QR (`/r/<saleId>.<token>`, a random token the kiosk made), showing that sale and nothing else about the member.
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import type { Database } from "../../storage/database.js";
import { pricedCartOfText, tenderPlanOfText } from "../../protocol/compact-lines.js";

/** A receipt token as the kiosk makes it: 16-32 random bytes, base64url. */
export const RECEIPT_TOKEN = /^[A-Za-z0-9_-]{22,43}$/;
export const hashReceiptToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export interface ReceiptView {
  saleId: string;
  at: number;
  storeId: string | null;
  deviceId: string;
  lines: Array<{ name: string; qty: number; unitPriceFen: number; memberUnitPriceFen: number; lineTotalFen: number; savingsFen: number }>;
  coupons: Array<{ name: string; amountFen: number }>;
  subtotalFen: number;
  savingsFen: number;
  totalFen: number;
  pointsEarned: number;
  tenders: Array<{ kind: string; amountFen: number }>;
  returns: Array<{ returnId: string; at: number; refundFen: number; pointsTakenBack: number; lines: unknown }>;
}

/** Stores the kiosk's token for a sale (called at ingest; a second token for the same sale is ignored). */
export function storeReceiptToken(db: Database, saleId: string, token: string, at: number): void {
  if (!RECEIPT_TOKEN.test(token)) return;
  db.prepare("INSERT INTO receipt_tokens (token_hash, sale_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").run(hashReceiptToken(token), saleId, at);
}

/** The sale as the hub applied it: its own pricing, tenders and the returns against it. */
export function receiptView(db: Database, saleId: string): ReceiptView | undefined {
  const s = db
    .prepare(
      "SELECT s.sale_id, s.device_id, s.at, s.subtotal_fen, s.total_fen, s.savings_fen, s.points_earned, d.priced, d.tenders, v.store_id FROM sales s LEFT JOIN sale_details d ON d.sale_id = s.sale_id LEFT JOIN devices v ON v.device_id = s.device_id WHERE s.sale_id = ?",
    )
    .get<{
      sale_id: string;
      device_id: string;
      at: number;
      subtotal_fen: number;
      total_fen: number;
      savings_fen: number;
      points_earned: number;
      priced: string | null;
      tenders: string | null;
      store_id: string | null;
    }>(saleId);
  if (!s) return undefined;
  const priced = s.priced ? pricedCartOfText(s.priced) : undefined;
  const tenders = s.tenders ? tenderPlanOfText(s.tenders) : null;
  const returns = db
    .prepare("SELECT return_id, at, refund_fen, points_taken_back, lines FROM returns WHERE sale_id = ? ORDER BY at, return_id")
    .all<{ return_id: string; at: number; refund_fen: number; points_taken_back: number; lines: string }>(saleId)
    .map((r) => ({ returnId: r.return_id, at: r.at, refundFen: r.refund_fen, pointsTakenBack: r.points_taken_back, lines: JSON.parse(r.lines) as unknown }));
  const tenderLines: ReceiptView["tenders"] = [];
  if (tenders) {
    if (tenders.pointsCashFen > 0) tenderLines.push({ kind: "points", amountFen: tenders.pointsCashFen });
    if ((tenders.shoppingCardFen ?? 0) > 0) tenderLines.push({ kind: "shopping-card", amountFen: tenders.shoppingCardFen ?? 0 });
    if (tenders.balancePrincipalFen + tenders.balanceBonusFen > 0)
      tenderLines.push({ kind: "balance", amountFen: tenders.balancePrincipalFen + tenders.balanceBonusFen });
    if (tenders.externalFen > 0) tenderLines.push({ kind: "external", amountFen: tenders.externalFen });
  }
  return {
    saleId: s.sale_id,
    at: s.at,
    storeId: s.store_id,
    deviceId: s.device_id,
    lines: (priced?.lines ?? []).map((l) => ({
      name: l.name,
      qty: l.qty,
      unitPriceFen: l.unitPriceFen,
      memberUnitPriceFen: l.memberUnitPriceFen,
      lineTotalFen: l.lineTotalFen,
      savingsFen: l.savingsFen,
    })),
    coupons: (priced?.appliedCoupons ?? []).map((c) => ({ name: c.name, amountFen: c.discountFen })),
    subtotalFen: s.subtotal_fen,
    savingsFen: s.savings_fen,
    totalFen: s.total_fen,
    pointsEarned: s.points_earned,
    tenders: tenderLines,
    returns,
  };
}

const esc = (t: string): string => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const yuan = (fen: number): string => `¥${(fen / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const TENDER_WORDS: Record<string, string> = { points: "积分抵现 Points", balance: "储值 Stored value", external: "其他支付 Other payment" };

function when(ms: number): string {
  // Store time (UTC+8, the chains this serves); never UTC on a page a person reads.
  const d = new Date(ms + 8 * 3_600_000);
  return d.toISOString().slice(0, 16).replace("T", " ");
}

export function receiptHtml(r: ReceiptView): string {
  const rows = r.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.name)} ×${l.qty}</td><td class="n">${yuan(l.lineTotalFen)}${l.savingsFen > 0 ? `<br><span class="save">-${yuan(l.savingsFen)}</span>` : ""}</td></tr>`,
    )
    .join("");
  const coupons = r.coupons.map((c) => `<tr><td>券 ${esc(c.name)}</td><td class="n save">-${yuan(c.amountFen)}</td></tr>`).join("");
  const tenders = r.tenders.map((t) => `<tr><td>${TENDER_WORDS[t.kind] ?? esc(t.kind)}</td><td class="n">${yuan(t.amountFen)}</td></tr>`).join("");
  const returns = r.returns.length
    ? `<h2>退货 Returns</h2><table>${r.returns.map((x) => `<tr><td>${when(x.at)}</td><td class="n">${yuan(x.refundFen)}${x.pointsTakenBack ? ` · -${x.pointsTakenBack} 分` : ""}</td></tr>`).join("")}</table>`
    : "";
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>电子小票 E-receipt</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:480px;padding:16px;color:#1f1f1f}h1{font-size:20px}h2{font-size:17px;margin-top:20px}table{width:100%;border-collapse:collapse}td{padding:6px 0;border-bottom:1px solid #eee;vertical-align:top}.n{text-align:right;white-space:nowrap}.save{color:#237804}.total td{font-size:20px;font-weight:600}.muted{color:#666;font-size:13px}</style></head>
<body><h1>电子小票 <span class="muted">E-receipt</span></h1><p class="muted">${when(r.at)} · ${esc(r.storeId ?? "")} · ${esc(r.saleId)}</p>
<table>${rows}${coupons}<tr><td>原价 Subtotal</td><td class="n">${yuan(r.subtotalFen)}</td></tr><tr><td>共节省 You saved</td><td class="n save">-${yuan(r.savingsFen)}</td></tr><tr class="total"><td>实付 Total</td><td class="n">${yuan(r.totalFen)}</td></tr></table>
<h2>支付 Payment</h2><table>${tenders || `<tr><td>—</td><td></td></tr>`}</table>
<p>本单积分 Points earned: <b>${r.pointsEarned}</b></p>${returns}
<p class="muted">此页面只显示这张小票，不含会员个人信息。This page shows this receipt only, no personal data.</p></body></html>`;
}

const NOT_FOUND = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>小票未找到 Receipt not found</title></head><body style="font:16px system-ui;padding:16px"><h1>小票未找到</h1><p>请核对小票上的二维码，或到服务台查询。<br>Receipt not found: scan the QR on the printed receipt again, or ask at the service desk.</p></body></html>`;

/** Mounts GET /r/:token (HTML, or JSON with Accept: application/json). */
export function mountReceipts(app: Hono, db: Database): void {
  app.get("/r/:token", (c) => {
    // `<saleId>.<token>` as printed (the kiosk reads the sale id back for returns), or the token alone.
    const ref = c.req.param("token");
    const dot = ref.lastIndexOf(".");
    const token = dot >= 0 ? ref.slice(dot + 1) : ref;
    const saleId = dot >= 0 ? ref.slice(0, dot) : undefined;
    const headers = { "cache-control": "private, no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-robots-tag": "noindex" };
    const row = RECEIPT_TOKEN.test(token)
      ? db.prepare("SELECT sale_id FROM receipt_tokens WHERE token_hash = ?").get<{ sale_id: string }>(hashReceiptToken(token))
      : undefined;
    const view = row && (saleId === undefined || saleId === row.sale_id) ? receiptView(db, row.sale_id) : undefined;
    if (!view) return c.html(NOT_FOUND, 404, headers);
    if ((c.req.header("accept") ?? "").includes("application/json")) return c.json(view, 200, headers);
    return c.html(receiptHtml(view), 200, headers);
  });
}
