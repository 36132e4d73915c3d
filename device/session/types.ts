// The checkout session's typed states, events, named failure reasons and the error that carries them.
import type { MemberRecord, VerificationReason } from "../../protocol/messages.js";
import type { PricedCart } from "../../protocol/rules/pricing-types.js";
import type { ReceiptData } from "../printer/types.js";

/** Why the kiosk refused something; code branches on these, never on message text. */
export type CheckoutRefusal =
  | "NO_CONFIG"
  | "CODE_INVALID"
  | "MEMBER_UNKNOWN"
  | "MEMBER_BLOCKED"
  /** The member card's validity (会员卡有效期: MemberRecord.cardValidUntil, a VIP's expiry while VIP) has passed, by the kiosk's clock. */
  | "CARD_EXPIRED"
  | "MEMBER_FIRST"
  | "UNKNOWN_PRODUCT"
  /** An in-store scale label that cannot be read (check digit, price check digit, PLU not in the list, no value); `reason` says which. */
  | "SCALE_LABEL_INVALID"
  /** A loose item picked from the screen that the store does not offer there (pick list off, or not on it). */
  | "PICK_NOT_OFFERED"
  /** Goods only paid members (active VIP or PLUS) may buy (protocol/rules/paid-only.ts); the message has the words. */
  | "PAID_MEMBERS_ONLY"
  | "UNRECOGNISED_CODE"
  | "EMPTY_CART"
  | "NOT_SHOPPING"
  | "BALANCE_DECLINED"
  | "BALANCE_INSUFFICIENT"
  | "POINTS_DECLINED"
  /** The hub declined the shopping-card hold (the card does not hold that much now, or is not the member's). */
  | "SHOPPING_CARD_DECLINED"
  /** The member's shopping card holds too little (offline, or an empty card was chosen). */
  | "SHOPPING_CARD_INSUFFICIENT"
  /** The chosen shopping card is not one of the member's (as this kiosk knows them). */
  | "SHOPPING_CARD_UNKNOWN"
  | "OFFLINE_LIMIT"
  | "SESSION_BUSY"
  | "VERIFICATION_PENDING"
  | "LINE_NOT_FOUND"
  | "QTY_INVALID"
  | "GATE_MODE"
  | "RETURN_IN_PROGRESS"
  /** The ledger cannot be written (full disk, read-only, busy): no new sale until it can; `reason` is the storage code. */
  | "STORAGE_UNAVAILABLE"
  /** A member code refused for its time while the kiosk's clock is neither NTP-synchronised nor corrected by the hub. */
  | "CLOCK_UNSYNCHRONISED";

export class CheckoutError extends Error {
  constructor(
    readonly code: CheckoutRefusal,
    message: string,
    /** The underlying code, for staff and logs: STORAGE_FULL under STORAGE_UNAVAILABLE, CODE_FROM_FUTURE under CODE_INVALID. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

/** Why a session ended without a sale. */
export type CancelReason = "customer" | "staff" | "shopping-timeout" | "verification-timeout" | "verification-rejected" | "stopped";

export interface CartLine {
  sku: string;
  qty: number;
  /** A scale-label line: the label as scanned (the hub reads and prices it again); qty counts identical labelled packs. */
  scaleLabel?: string;
}

/**
 * external: card terminal; balance: stored value for all of it; balance-card: the stored value there is, the card for the rest; counter: a
 * claim ticket. A shopping card (finish's shoppingCardId) pays before any of them; payWith then says how the rest is paid.
 */
export type PayWith = "external" | "balance" | "balance-card" | "counter";

export interface PendingVerification {
  requestId: string;
  reasons: VerificationReason[];
  /** False when the member has no headshot on file (they are told to upload one). */
  headshotOnFile: boolean;
  requestedAt: number;
  expiresAt: number;
}

export interface CompletedSale {
  saleId: string;
  seq: number;
  member: MemberRecord;
  priced: PricedCart;
  receipt: ReceiptData;
}

export interface CompletedClaim {
  claimId: string;
  seq: number;
  member: MemberRecord;
  priced: PricedCart;
  receipt: ReceiptData;
  expiresAt: number;
}

/**
 * The states. `idle` -> (member code) -> `verifying` when the staff policy says so -> `shopping` ->
 * (pay) `paying` -> `done`; or `cancelled` from any of them. `done` and `cancelled` show their
 * screen for a while and fall back to `idle`; a new member code starts over at once.
 */
export type CheckoutState =
  | { name: "idle" }
  | { name: "verifying"; member: MemberRecord; lines: CartLine[]; verification: PendingVerification; since: number }
  | { name: "shopping"; member: MemberRecord; lines: CartLine[]; usePoints: boolean; since: number; lastActivity: number }
  | { name: "paying"; member: MemberRecord; lines: CartLine[]; usePoints: boolean; payWith: PayWith; since: number }
  | {
      name: "done";
      member: MemberRecord;
      lines: CartLine[];
      outcome: { kind: "sale"; sale: CompletedSale } | { kind: "claim"; claim: CompletedClaim };
      since: number;
    }
  | { name: "cancelled"; reason: CancelReason; message: string; member?: MemberRecord; since: number };

export type CheckoutStateName = CheckoutState["name"];

/** Everything that moves the machine, for the transition log and the tests. */
export type CheckoutEvent =
  | { type: "identified"; memberId: string }
  | { type: "verification-requested"; requestId: string; reasons: VerificationReason[] }
  | { type: "verification-approved"; requestId: string; staffId: string }
  | { type: "verification-rejected"; requestId: string; staffId: string }
  | { type: "cart-changed" }
  | { type: "points-toggled"; use: boolean }
  | { type: "pay"; payWith: PayWith }
  | { type: "paid"; seq: number }
  | { type: "payment-failed"; code: CheckoutRefusal }
  | { type: "cancel"; reason: CancelReason }
  | { type: "timeout"; timer: SessionTimer }
  | { type: "reset" };

export type SessionTimer = "shopping-idle" | "verification" | "done" | "cancelled";
