// The cart's edits as pure functions (add a scanned product, set a quantity), the quote cache key and the cancel words; the session machine applies them.
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import type { Product } from "../../protocol/rules/config.js";
import { paidOnlyRefusal } from "../../protocol/rules/paid-only.js";
import { parseScaleLabel, type ScaleLabelRefusal } from "../../protocol/rules/scale-label.js";
import { localDate } from "../../protocol/rules/time.js";
import type { CancelReason, CartLine, CheckoutRefusal } from "./types.js";

export const MAX_QTY = 999;
export const MAX_LINES = 200;

/** What the screen says when a session is cancelled, by reason (zh-CN first). */
export const CANCEL_MESSAGES: Record<CancelReason, string> = {
  customer: "已取消结账 Checkout cancelled.",
  staff: "店员已取消结账 Checkout cancelled by staff.",
  "shopping-timeout": "长时间无操作，已清空购物车 Checkout cancelled: no activity for a while.",
  "verification-timeout": "暂无店员核验，请到服务台 No staff member could check your photo in time. Please ask at the service desk.",
  "verification-rejected": "店员无法确认持卡人，请到服务台 Staff could not confirm this card belongs to you. Please see the service desk.",
  stopped: "设备正在重启 The kiosk is restarting.",
};

/** A cart edit: the new lines, or the refusal the machine reports (it logs, flashes and throws). */
export type CartEdit<T = object> =
  | ({ ok: true; lines: CartLine[] } & T)
  | { ok: false; code: CheckoutRefusal; message: string; extra?: Record<string, unknown>; reason?: string };

/** A scale label the kiosk cannot read: the reason code (words.js has its words for the screen) and the log message. */
export const SCALE_LABEL_REASONS: Record<Exclude<ScaleLabelRefusal, "not-a-scale-label">, [string, string]> = {
  "bad-check-digit": ["SCALE_BAD_CHECK_DIGIT", "scale label check digit wrong"],
  "bad-price-check-digit": ["SCALE_BAD_PRICE_CHECK_DIGIT", "scale label price check digit wrong"],
  "unknown-plu": ["SCALE_UNKNOWN_PLU", "scale label PLU not in the store's list"],
  "zero-value": ["SCALE_ZERO_VALUE", "scale label carries no price or weight"],
};

/** The key a cart line is changed by (PUT/DELETE /session/lines/:key): the sku, or `scale-<label>` for a scale-label line. */
export function lineKey(line: Pick<CartLine, "sku" | "scaleLabel">): string {
  return line.scaleLabel !== undefined ? `scale-${line.scaleLabel}` : line.sku;
}

type Added = CartEdit<{ added: { sku: string; name: string; qty: number; key: string } }>;

/** One more of `product` on the line with this key (a new line at 1, or the line's quantity + 1), if the member may buy it. */
function addOne(config: ConfigContent, member: MemberRecord, lines: readonly CartLine[], product: Product, line: CartLine, now: number): Added {
  const paidOnly = paidOnlyRefusal(
    config.rules,
    product,
    { id: member.memberId, cardClass: member.cardClass, baseCardClass: member.baseCardClass, vipExpiresAt: member.vipExpiresAt },
    now,
  );
  if (paidOnly) return { ok: false, code: "PAID_MEMBERS_ONLY", message: paidOnly.message, extra: { sku: product.sku } };
  const key = lineKey(line);
  const existing = lines.find((l) => lineKey(l) === key);
  if (existing && existing.qty >= MAX_QTY) return { ok: false, code: "QTY_INVALID", message: `at most ${MAX_QTY} of one product` };
  if (!existing && lines.length >= MAX_LINES) return { ok: false, code: "QTY_INVALID", message: `at most ${MAX_LINES} different products` };
  const next = existing ? lines.map((l) => (lineKey(l) === key ? { ...l, qty: l.qty + 1 } : l)) : [...lines, line];
  return { ok: true, lines: next, added: { sku: product.sku, name: product.name, qty: existing ? existing.qty + 1 : 1, key } };
}

/**
 * One more of what this barcode names: an in-store scale label (the config's scaleLabels prefix, read
 * and checked by protocol/rules/scale-label.ts) becomes a scale line; any other barcode a catalog product.
 */
export function addToCart(config: ConfigContent, member: MemberRecord, lines: readonly CartLine[], barcode: string, now: number): Added {
  const scale = config.rules.scaleLabels;
  const read = scale ? parseScaleLabel(barcode, scale) : undefined;
  if (read && !read.ok && read.reason !== "not-a-scale-label") {
    // A label with the store prefix that is also a catalog barcode is a product (some 2x codes are real GTINs in a store's catalog).
    if (!config.rules.catalog.some((p) => p.barcode === barcode)) {
      const [reason, message] = SCALE_LABEL_REASONS[read.reason];
      return { ok: false, code: "SCALE_LABEL_INVALID", message, extra: { barcode }, reason };
    }
  }
  if (read?.ok) {
    const product = config.rules.catalog.find((p) => p.sku === read.label.sku);
    if (!product) return { ok: false, code: "UNKNOWN_PRODUCT", message: "unknown product barcode", extra: { barcode } };
    return addOne(config, member, lines, product, { sku: product.sku, qty: 1, scaleLabel: barcode }, now);
  }
  const product = config.rules.catalog.find((p) => p.barcode === barcode);
  if (!product) return { ok: false, code: "UNKNOWN_PRODUCT", message: "unknown product barcode", extra: { barcode } };
  return addOne(config, member, lines, product, { sku: product.sku, qty: 1 }, now);
}

/** The loose items the customer display offers (store policy device.loosePickList and the rules' pick list), in list order. */
export function pickList(config: ConfigContent): Product[] {
  if (!config.device.loosePickList) return [];
  const skus = config.rules.scaleLabels?.pickList ?? [];
  return skus.flatMap((sku) => config.rules.catalog.filter((p) => p.sku === sku));
}

/** One more of a loose item picked on screen (no label, no barcode): only what the pick list offers. */
export function addPick(config: ConfigContent, member: MemberRecord, lines: readonly CartLine[], sku: string, now: number): Added {
  const product = pickList(config).find((p) => p.sku === sku);
  if (!product) return { ok: false, code: "PICK_NOT_OFFERED", message: "not on the store's pick list", extra: { sku } };
  return addOne(config, member, lines, product, { sku: product.sku, qty: 1 }, now);
}

/** The cart with the line keyed `key` (lineKey: the sku, or scale-<label>) at `qty` (0 removes the line). */
export function withQuantity(lines: readonly CartLine[], key: string, qty: number): CartEdit {
  if (!Number.isInteger(qty) || qty < 0 || qty > MAX_QTY) return { ok: false, code: "QTY_INVALID", message: `quantity must be 0..${MAX_QTY}` };
  if (!lines.some((l) => lineKey(l) === key)) return { ok: false, code: "LINE_NOT_FOUND", message: "that product is not in the cart", extra: { key } };
  return { ok: true, lines: qty === 0 ? lines.filter((l) => lineKey(l) !== key) : lines.map((l) => (lineKey(l) === key ? { ...l, qty } : l)) };
}

/** What a session quote depends on: config and catalog version, cart, points choice, balance, coupons, the store day and VIP expiry. */
export function quoteKey(config: ConfigContent, member: MemberRecord, lines: readonly CartLine[], usePoints: boolean, now: number): string {
  return JSON.stringify([
    config.version,
    config.catalogVersion,
    lines,
    usePoints,
    member.pointsBalance,
    member.coupons.length,
    localDate(now, config.rules.utcOffsetMinutes),
    member.vipExpiresAt !== undefined && now >= member.vipExpiresAt,
  ]);
}
