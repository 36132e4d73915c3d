// The words of each message to members (zh-CN first, then English) and the figures a template provider gets, for the outbox's kinds.
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import { yuan } from "../../protocol/rules/whatif-format.js";
import { enqueueInTx, type NewNotification } from "./outbox.js";

/** Inside the top-up's transaction: the receipt of a counter top-up (key top-up:<id>). */
export function enqueueTopUpReceiptInTx(
  db: Database,
  clock: Clock,
  t: { topUpId: string; memberId: string; storeId: string; amountFen: number; bonusFen: number; points: number; balanceFen: number; at: number },
): boolean {
  const gift = [t.bonusFen > 0 ? `赠送 ¥${yuan(t.bonusFen)}` : "", t.points > 0 ? `赠送积分 ${t.points}` : ""].filter(Boolean).join("，");
  const giftEn = [t.bonusFen > 0 ? `¥${yuan(t.bonusFen)} bonus` : "", t.points > 0 ? `${t.points} points` : ""].filter(Boolean).join(", ");
  return enqueueInTx(db, clock, {
    key: `top-up:${t.topUpId}`,
    memberId: t.memberId,
    kind: "top-up-receipt",
    text:
      `充值成功：¥${yuan(t.amountFen)}${gift ? `（${gift}）` : ""}，当前储值余额 ¥${yuan(t.balanceFen)}。` +
      ` Top-up received: ¥${yuan(t.amountFen)}${giftEn ? ` (${giftEn})` : ""}; stored balance now ¥${yuan(t.balanceFen)}.`,
    data: { ...t },
  });
}

/** What a purchase receipt says: the sale's figures and the member's balances after it. */
export interface PurchaseReceipt {
  saleId: string;
  memberId: string;
  storeId: string;
  totalFen: number;
  pointsEarned: number;
  pointsRedeemed: number;
  balancePaidFen: number;
  balanceFen: number | null;
  pointsBalance: number | null;
  at: number;
}

/** The receipt of a sale to a member (key purchase:<saleId>), as a message to queue (a ledger batch queues it with its other rows). */
export function purchaseReceipt(s: PurchaseReceipt): NewNotification {
  const paid = s.balancePaidFen > 0 ? `，储值支付 ¥${yuan(s.balancePaidFen)}` : "";
  const paidEn = s.balancePaidFen > 0 ? `, ¥${yuan(s.balancePaidFen)} from stored value` : "";
  const after = s.balanceFen !== null && s.pointsBalance !== null ? `；余额 ¥${yuan(s.balanceFen)}，积分 ${s.pointsBalance}` : "";
  const afterEn = s.balanceFen !== null && s.pointsBalance !== null ? `; balance ¥${yuan(s.balanceFen)}, ${s.pointsBalance} points` : "";
  return {
    key: `purchase:${s.saleId}`,
    memberId: s.memberId,
    kind: "purchase-receipt",
    text:
      `消费 ¥${yuan(s.totalFen)}${paid}，获得积分 ${s.pointsEarned}${s.pointsRedeemed > 0 ? `，使用积分 ${s.pointsRedeemed}` : ""}${after}。` +
      ` Purchase ¥${yuan(s.totalFen)}${paidEn}, ${s.pointsEarned} points earned${s.pointsRedeemed > 0 ? `, ${s.pointsRedeemed} points used` : ""}${afterEn}.`,
    data: { ...s },
  };
}

/** Inside a transaction: queues the receipt of a sale to a member (once per sale). */
export function enqueuePurchaseReceiptInTx(db: Database, clock: Clock, s: PurchaseReceipt): boolean {
  return enqueueInTx(db, clock, purchaseReceipt(s));
}

/** Coupons of one member that expire on one day (key coupon-expiring:<member>:<day>: once per member and expiry day). */
export function enqueueCouponExpiringInTx(
  db: Database,
  clock: Clock,
  c: { memberId: string; expiresOn: string; coupons: Array<{ instanceId: string; couponId: string; name: string }> },
): boolean {
  const names = c.coupons.map((x) => x.name).join("、");
  return enqueueInTx(db, clock, {
    key: `coupon-expiring:${c.memberId}:${c.expiresOn}`,
    memberId: c.memberId,
    kind: "coupon-expiring",
    text: `您有 ${c.coupons.length} 张优惠券（${names}）将于 ${c.expiresOn} 到期，请尽快使用。 ${c.coupons.length} coupon(s) (${names}) expire on ${c.expiresOn}.`,
    data: { ...c },
  });
}

/** A VIP membership ending soon (key vip-expiring:<member>:<expiresAt>: a renewal makes a new one). */
export function enqueueVipExpiringInTx(db: Database, clock: Clock, v: { memberId: string; classId: string; expiresAt: number; expiresOn: string }): boolean {
  return enqueueInTx(db, clock, {
    key: `vip-expiring:${v.memberId}:${v.expiresAt}`,
    memberId: v.memberId,
    kind: "vip-expiring",
    text: `您的 VIP 会员（${v.classId}）将于 ${v.expiresOn} 到期，到期后恢复原卡类，可在会员中心续费。 Your VIP membership (${v.classId}) ends on ${v.expiresOn}; renew it in the member app.`,
    data: { ...v },
  });
}

/** The yearly points clear is coming (key points-clear:<clearOn>:<member>: once per member and clear). */
export function enqueuePointsClearInTx(db: Database, clock: Clock, p: { memberId: string; points: number; clearOn: string }): boolean {
  return enqueueInTx(db, clock, {
    key: `points-clear:${p.clearOn}:${p.memberId}`,
    memberId: p.memberId,
    kind: "points-clear",
    text: `您的 ${p.points} 积分将于 ${p.clearOn} 00:00 清零，请在此之前使用。 Your ${p.points} points will be cleared at 00:00 on ${p.clearOn}; use them before then.`,
    data: { ...p },
  });
}
