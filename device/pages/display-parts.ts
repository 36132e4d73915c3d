// Parts of the customer display's view: a scale line, the claim ticket's QR as a path, the store's time zone, which tenders (and shopping cards) the member can use now.
import QRCode from "qrcode";
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import type { PricedLine } from "../../protocol/rules/pricing-types.js";
import { localDate } from "../../protocol/rules/time.js";
import type { Kiosk } from "../kiosk.js";
import type { DisplayView } from "./view-model.js";

export function scaleView(s: NonNullable<PricedLine["scale"]>): NonNullable<NonNullable<DisplayView["cart"]>["lines"][number]["scale"]> {
  const out: NonNullable<NonNullable<DisplayView["cart"]>["lines"][number]["scale"]> = { perUnitFen: s.perUnitFen, memberPerUnitFen: s.memberPerUnitFen };
  if (s.weightG !== undefined) out.weightG = s.weightG;
  if (s.labelPriceFen !== undefined) out.labelPriceFen = s.labelPriceFen;
  return out;
}

/** The store's time zone for what people read: an IANA name for whole-hour offsets (Etc/GMT-8 is UTC+8). */
export function storeTimeZone(config: ConfigContent): string {
  const off = config.rules.utcOffsetMinutes;
  if (off === 480) return "Asia/Shanghai";
  return off % 60 === 0 ? `Etc/GMT${off > 0 ? "-" : "+"}${Math.abs(off / 60)}` : "UTC";
}

/** A QR code as one SVG path of dark modules (the page draws it; no image file, no network). */
export function qrPath(text: string): { size: number; path: string } {
  const q = QRCode.create(text, { errorCorrectionLevel: "M" });
  const n = q.modules.size;
  let path = "";
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (q.modules.get(x, y)) path += `M${x} ${y}h1v1h-1z`;
  return { size: n, path };
}

/** Which tenders the member can use now, and why not (the stored value short, the offline limit reached). */
export function tenderChoices(
  kiosk: Kiosk,
  config: ConfigContent,
  member: MemberRecord,
  payableFen: number,
  at: number,
): NonNullable<DisplayView["cart"]>["tenders"] {
  const offline = !kiosk.sync.connected;
  const used = offline ? kiosk.store.offlineUsage(member.memberId, localDate(at, config.rules.utcOffsetMinutes)) : { balanceFen: 0, points: 0 };
  const offlineLeft = Math.max(0, config.device.offlineLimits.balanceFenPerMemberPerDay - used.balanceFen);
  const balance: { available: boolean; why?: { code: string; shortFen?: number; limitFen?: number } } =
    member.balanceFen < payableFen
      ? { available: false, why: { code: "BALANCE_INSUFFICIENT", shortFen: payableFen - Math.max(0, member.balanceFen) } }
      : offline && payableFen > offlineLeft
        ? { available: false, why: { code: "OFFLINE_LIMIT", limitFen: offlineLeft } }
        : { available: true };
  const part = Math.min(Math.max(0, member.balanceFen), payableFen);
  const balanceCard =
    part <= 0 || part >= payableFen
      ? { available: false }
      : offline && part > offlineLeft
        ? { available: false, why: { code: "OFFLINE_LIMIT", limitFen: offlineLeft } }
        : { available: true };
  return { balance, balanceCard, card: { available: true }, counter: { available: true } };
}

/**
 * The member's shopping cards that can pay now (POST /session/finish with shoppingCardId): each pays
 * what it holds up to the amount to pay, the bank card the rest; offline, within what is left of the
 * store's shopping-card limit today. Empty cards are not offered.
 */
export function shoppingCardChoices(
  kiosk: Kiosk,
  config: ConfigContent,
  member: MemberRecord,
  payableFen: number,
  at: number,
): NonNullable<DisplayView["cart"]>["shoppingCards"] {
  const offline = !kiosk.sync.connected;
  const used = offline ? kiosk.store.offlineUsage(member.memberId, localDate(at, config.rules.utcOffsetMinutes)).shoppingCardFen : 0;
  const left = Math.max(0, config.device.offlineLimits.shoppingCardFenPerMemberPerDay - used);
  return member.shoppingCards
    .filter((c) => c.balanceFen > 0)
    .map((c) => {
      const payFen = Math.min(c.balanceFen, payableFen);
      const base = { cardId: c.cardId, last4: c.cardId.slice(-4), balanceFen: c.balanceFen, payFen, covers: payFen >= payableFen };
      return offline && payFen > left ? { ...base, available: false, why: { code: "OFFLINE_LIMIT", limitFen: left } } : { ...base, available: payableFen > 0 };
    });
}
