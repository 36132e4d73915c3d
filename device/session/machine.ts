// The kiosk's checkout session: an explicit state machine with typed states, named refusals and injected timers.
//
//   idle --member code--> verifying (staff photo check, when policy says so) --approve--> shopping
//   shopping --scan / remove / quantity / points--> shopping --pay--> paying --> done --(doneMs)--> idle
//   verifying | shopping --cancel / timeout / reject--> cancelled --(cancelledMs)--> idle
//
// Every timer is set on entering a state and cleared on leaving it, so a timeout can only fire in the
// state that armed it. A failed payment goes back to shopping with the cart intact.
import { randomInt } from "node:crypto";
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import type { PricedCart } from "../../protocol/rules/pricing-types.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import { localDate } from "../../protocol/rules/time.js";
import type { ReceiptData } from "../printer/types.js";
import { systemTimers, type TimerHandle, type Timers } from "./timers.js";
import { addPick, addToCart, CANCEL_MESSAGES, quoteKey, withQuantity } from "./cart.js";
import type { CheckoutDeps } from "./deps.js";

export type { CheckoutDeps, CheckoutPrinter, Indicator } from "./deps.js";
import { quoteSession, type SessionQuote } from "./pricing.js";
import { verificationFact, verificationReasons } from "./verification-policy.js";
import { memberFromCode } from "./identify.js";
import { commitClaim, paySale, saleReceipt, type PaymentDeps } from "./payment.js";
import { isUnwritable } from "../../storage/errors.js";
import { STORAGE_REFUSAL_MESSAGE } from "../storage-guard.js";
import { CLOCK_REFUSAL_MESSAGE } from "../clock-sync/status.js";
import {
  CheckoutError,
  type CancelReason,
  type CartLine,
  type CheckoutEvent,
  type CheckoutRefusal,
  type CheckoutState,
  type CompletedClaim,
  type CompletedSale,
  type PayWith,
  type SessionTimer,
} from "./types.js";

/** Member-code refusals caused by the code's time: the kiosk's clock is to blame when it is not set. */
const TIME_REFUSALS = new Set(["CODE_FROM_FUTURE", "CODE_EXPIRED"]);

export type CheckoutListener = (state: CheckoutState, event: CheckoutEvent) => void;

export class Checkout {
  private state: CheckoutState = { name: "idle" };
  private timer: TimerHandle | undefined;
  private cachedQuote: { key: string; quote: SessionQuote } | undefined;
  private readonly listeners: CheckoutListener[] = [];
  private readonly timers: Timers;
  private readonly random: () => number;
  private requestSeq = 0;

  constructor(private readonly deps: CheckoutDeps) {
    this.timers = deps.timers ?? systemTimers();
    this.random = deps.random ?? (() => randomInt(0, 2 ** 32) / 2 ** 32);
  }

  get current(): CheckoutState {
    return this.state;
  }

  onChange(listener: CheckoutListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ------------------------------------------------------------------ transitions

  private enter(next: CheckoutState, event: CheckoutEvent): void {
    this.timers.clear(this.timer);
    this.timer = undefined;
    this.state = next;
    this.cachedQuote = undefined;
    const policy = this.deps.config()?.device;
    const arm = (timer: SessionTimer, ms: number, fire: () => void): void => {
      this.timer = this.timers.set(
        () => {
          this.timer = undefined;
          this.deps.log.info({ timer, state: this.state.name }, "session timeout");
          fire();
        },
        Math.max(0, ms),
      );
    };
    switch (next.name) {
      case "verifying":
        arm("verification", next.verification.expiresAt - this.deps.clock.now(), () =>
          this.cancelFrom("verification-timeout", { type: "timeout", timer: "verification" }),
        );
        break;
      case "shopping":
        arm("shopping-idle", policy?.session.shoppingIdleMs ?? 90_000, () => this.cancelFrom("shopping-timeout", { type: "timeout", timer: "shopping-idle" }));
        break;
      case "done":
        arm("done", policy?.session.doneMs ?? 10_000, () => this.enter({ name: "idle" }, { type: "timeout", timer: "done" }));
        break;
      case "cancelled":
        arm("cancelled", policy?.session.cancelledMs ?? 6_000, () => this.enter({ name: "idle" }, { type: "timeout", timer: "cancelled" }));
        break;
      case "idle":
      case "paying":
        break;
    }
    for (const l of this.listeners) {
      try {
        l(this.state, event);
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, "session listener failed");
      }
    }
  }

  /** A scan or a touch while shopping: the idle timeout starts again. */
  private touch(event: CheckoutEvent): void {
    if (this.state.name !== "shopping") return;
    this.enter({ ...this.state, lastActivity: this.deps.clock.now() }, event);
  }

  private cancelFrom(reason: CancelReason, event: CheckoutEvent): void {
    const s = this.state;
    const member = "member" in s ? s.member : undefined;
    this.deps.log.info({ reason, from: s.name }, "session cancelled");
    this.enter({ name: "cancelled", reason, message: CANCEL_MESSAGES[reason], ...(member ? { member } : {}), since: this.deps.clock.now() }, event);
  }

  private refuse(code: CheckoutRefusal, message: string, extra: Record<string, unknown> = {}, reason?: string): never {
    this.deps.log.warn({ code, ...extra, ...(reason ? { reason } : {}) }, message);
    this.deps.indicator.failure();
    throw new CheckoutError(code, message, reason);
  }

  /** No new sale while the ledger cannot be written (the guard probes first, so this also notices recovery). */
  private requireWritable(): void {
    const storage = this.deps.storage;
    if (storage && !storage.check()) this.refuse("STORAGE_UNAVAILABLE", STORAGE_REFUSAL_MESSAGE, {}, storage.state.code);
  }

  /** A storage error met while writing: the refusal (and the guard turns unwritable); anything else is rethrown as is. */
  private storageFailure(err: unknown, where: string): never {
    if (this.deps.storage?.failed(err, where)) this.refuse("STORAGE_UNAVAILABLE", STORAGE_REFUSAL_MESSAGE, { where }, this.deps.storage.state.code);
    throw err;
  }

  private requireConfig(): ConfigContent {
    return this.deps.config() ?? this.refuse("NO_CONFIG", "no signed config yet: the kiosk cannot sell");
  }

  private shopping(): Extract<CheckoutState, { name: "shopping" }> {
    const s = this.state;
    if (s.name === "shopping") return s;
    if (s.name === "verifying") return this.refuse("VERIFICATION_PENDING", "please wait: a staff member is checking your photo");
    if (s.name === "paying") return this.refuse("SESSION_BUSY", "payment in progress");
    return this.refuse("MEMBER_FIRST", "scan your member code first");
  }

  // ------------------------------------------------------------------ events

  /** A scanned member code: verified offline against the card's public key; starts a session (or the staff check). */
  identify(codeText: string): MemberRecord {
    const config = this.requireConfig();
    if (this.state.name === "paying") this.refuse("SESSION_BUSY", "payment in progress");
    this.requireWritable();
    const now = this.deps.clock.now();
    let member: MemberRecord;
    try {
      member = memberFromCode(this.deps, config, codeText);
    } catch (err) {
      if (err instanceof CheckoutError) {
        // A code refused for its time by a kiosk whose clock is not set: tell the customer the kiosk is at fault.
        if (err.reason !== undefined && TIME_REFUSALS.has(err.reason) && this.deps.clockStatus?.unsynchronised) {
          return this.refuse("CLOCK_UNSYNCHRONISED", CLOCK_REFUSAL_MESSAGE, { detail: err.message }, err.reason);
        }
        return this.refuse(err.code, err.message, {}, err.reason);
      }
      return this.storageFailure(err, "member-code");
    }
    if (member.status === "blocked") this.refuse("MEMBER_BLOCKED", "this card is blocked; please see the service desk", { member: member.memberId });
    const s = this.state;
    if (s.name === "verifying" || s.name === "shopping") {
      if (s.member.memberId === member.memberId) {
        this.touch({ type: "identified", memberId: member.memberId });
        return member;
      }
      if (s.name === "verifying" || s.lines.length > 0) this.refuse("SESSION_BUSY", "another checkout is in progress: finish or cancel it first");
    }
    const day = localDate(now, config.rules.utcOffsetMinutes);
    // Visits are only kept (one synchronous write per admission) while the first-use-of-the-day check is on.
    const tracksVisits = config.device.verification.firstUseOfDay;
    const reasons = verificationReasons(config.device.verification, member, {
      rules: config.rules,
      at: now,
      firstUseToday: tracksVisits && !this.deps.store.visitedOn(member.memberId, day),
      random: this.random,
    });
    this.deps.log.info({ member: member.memberId, verification: reasons }, "member identified");
    if (reasons.length > 0) {
      const requestId = `v-${this.deps.deviceId}-${now.toString(36)}-${(++this.requestSeq).toString(36)}`;
      const verification = {
        requestId,
        reasons,
        headshotOnFile: member.headshotHash !== undefined,
        requestedAt: now,
        expiresAt: now + config.device.verification.timeoutMs,
      };
      this.enter({ name: "verifying", member, lines: [], verification, since: now }, { type: "verification-requested", requestId, reasons });
      return member;
    }
    if (tracksVisits) {
      try {
        this.deps.store.recordVisit(member.memberId, day, now);
      } catch (err) {
        this.storageFailure(err, "visit");
      }
    }
    this.enter({ name: "shopping", member, lines: [], usePoints: false, since: now, lastActivity: now }, { type: "identified", memberId: member.memberId });
    return member;
  }

  /** The pending staff check, if the session is waiting for one. */
  pendingVerification(): Extract<CheckoutState, { name: "verifying" }> | undefined {
    return this.state.name === "verifying" ? this.state : undefined;
  }

  /**
   * A staff decision on the pending photo check: a ledger fact with the staff id, then shopping
   * (approved) or cancelled (rejected). Undefined when the request is no longer pending (it lapsed,
   * was cancelled or already decided).
   */
  decideVerification(requestId: string, staffId: string, decision: "approved" | "rejected", note?: string): { seq: number } | undefined {
    const s = this.state;
    if (s.name !== "verifying" || s.verification.requestId !== requestId) return undefined;
    const config = this.requireConfig();
    const now = this.deps.clock.now();
    const fact = verificationFact(s, staffId, decision, note);
    let entry: { seq: number };
    try {
      entry = this.deps.store.appendFact(fact, now, config.version);
    } catch (err) {
      return this.storageFailure(err, "verification");
    }
    this.deps.onCommitted();
    this.deps.log.info({ requestId, staff: staffId, decision, seq: entry.seq }, "staff verification decided");
    if (decision === "approved") {
      if (config.device.verification.firstUseOfDay) this.deps.store.recordVisit(s.member.memberId, localDate(now, config.rules.utcOffsetMinutes), now);
      this.deps.indicator.success();
      this.enter(
        { name: "shopping", member: s.member, lines: s.lines, usePoints: false, since: now, lastActivity: now },
        { type: "verification-approved", requestId, staffId },
      );
    } else {
      this.deps.indicator.failure();
      this.cancelFrom("verification-rejected", { type: "verification-rejected", requestId, staffId });
    }
    return { seq: entry.seq };
  }

  /** A scanned product barcode or in-store scale label: added to the cart (the same product or label again adds one more). */
  addProduct(barcode: string): { sku: string; name: string; qty: number; key: string } {
    const config = this.requireConfig();
    const s = this.shopping();
    return this.applyAdd(s, addToCart(config, s.member, s.lines, barcode, this.deps.clock.now()));
  }

  /** A loose item picked from the on-screen list (store policy device.loosePickList): one more of it. */
  addPick(sku: string): { sku: string; name: string; qty: number; key: string } {
    const config = this.requireConfig();
    const s = this.shopping();
    return this.applyAdd(s, addPick(config, s.member, s.lines, sku, this.deps.clock.now()));
  }

  private applyAdd(
    s: Extract<CheckoutState, { name: "shopping" }>,
    added: ReturnType<typeof addToCart>,
  ): { sku: string; name: string; qty: number; key: string } {
    if (!added.ok) return this.refuse(added.code, added.message, added.extra, added.reason);
    this.enter({ ...s, lines: added.lines, lastActivity: this.deps.clock.now() }, { type: "cart-changed" });
    return added.added;
  }

  /** Sets a line's quantity (the line's key: its sku, or scale-<label>); 0 removes the line. */
  setQuantity(key: string, qty: number): CartLine[] {
    const s = this.shopping();
    const changed = withQuantity(s.lines, key, qty);
    if (!changed.ok) return this.refuse(changed.code, changed.message, changed.extra);
    this.enter({ ...s, lines: changed.lines, lastActivity: this.deps.clock.now() }, { type: "cart-changed" });
    return changed.lines;
  }

  removeLine(key: string): CartLine[] {
    return this.setQuantity(key, 0);
  }

  /** The member opts in (or out) of paying part of the order with points. */
  setUsePoints(use: boolean): void {
    const s = this.shopping();
    this.enter({ ...s, usePoints: use, lastActivity: this.deps.clock.now() }, { type: "points-toggled", use });
  }

  /** The session's quote (best coupons, points when opted in), cached until the cart or the config changes. */
  sessionQuote(): SessionQuote | undefined {
    const s = this.state;
    if ((s.name !== "shopping" && s.name !== "paying") || s.lines.length === 0) return undefined;
    const config = this.deps.config();
    if (!config) return undefined;
    const member = this.deps.store.member(s.member.memberId) ?? s.member;
    const now = this.deps.clock.now();
    const key = quoteKey(config, member, s.lines, s.usePoints, now);
    if (this.cachedQuote?.key === key) return this.cachedQuote.quote;
    const quote = quoteSession(config, member, s.lines, now, s.usePoints);
    this.cachedQuote = { key, quote };
    return quote;
  }

  /** The running price of the cart, without committing anything. */
  quote(): PricedCart {
    this.requireConfig();
    const s = this.state;
    if (s.name !== "shopping") return this.refuse("NOT_SHOPPING", "no session in progress");
    if (s.lines.length === 0) return this.refuse("EMPTY_CART", "the cart is empty");
    try {
      return this.sessionQuote()!.priced;
    } catch (err) {
      if (isRulesError(err)) return this.refuse("UNKNOWN_PRODUCT", `cannot price the cart: ${err.message}`);
      throw err;
    }
  }

  /** The customer (or staff) cancels; a session that is already over just goes back to idle. */
  cancel(reason: CancelReason = "customer"): void {
    const s = this.state;
    if (s.name === "paying") this.refuse("SESSION_BUSY", "payment in progress");
    if (s.name === "verifying" || s.name === "shopping") this.cancelFrom(reason, { type: "cancel", reason });
    else if (s.name !== "idle") this.enter({ name: "idle" }, { type: "reset" });
  }

  /** Stops every timer and drops the session (kiosk stop, config change). */
  reset(reason: CancelReason = "stopped"): void {
    if (this.state.name === "verifying" || this.state.name === "shopping") this.deps.log.info({ reason }, "session dropped");
    this.timers.clear(this.timer);
    this.timer = undefined;
    this.state = { name: "idle" };
    this.cachedQuote = undefined;
  }

  /**
   * Pays externally (the attached terminal), from the stored-value balance (a shopping card first when
   * `shoppingCardId` names one of the member's), or at the counter (a claim
   * ticket). Sales commit their points, balance, coupons and outbox entry in one transaction, print the
   * receipt and show it (`done`); a refused payment returns to shopping with the cart intact.
   */
  async finish(payWith: PayWith = "external", shoppingCardId?: string): Promise<CompletedSale> {
    if (payWith === "counter") {
      const claim = await this.payAtCounter();
      return { saleId: claim.claimId, seq: claim.seq, member: claim.member, priced: claim.priced, receipt: claim.receipt };
    }
    const { config, s, quote } = this.startPaying(payWith);
    const at = this.deps.clock.now();
    let paid: Awaited<ReturnType<typeof paySale>>;
    try {
      paid = await paySale(this.paymentDeps(), config, s.member, s.lines, quote, payWith, at, shoppingCardId);
    } catch (err) {
      this.paymentFailed(s, err);
      return this.storageFailure(err, "sale");
    }
    this.deps.onCommitted();
    const after = this.deps.store.member(s.member.memberId) ?? s.member;
    const receipt = saleReceipt(config, this.deps.deviceId, { ...paid, at }, after);
    const sale: CompletedSale = { saleId: paid.saleId, seq: paid.seq, member: s.member, priced: paid.priced, receipt };
    this.enter({ name: "done", member: after, lines: s.lines, outcome: { kind: "sale", sale }, since: at }, { type: "paid", seq: paid.seq });
    await this.print(receipt, paid.saleId);
    this.deps.indicator.success();
    return sale;
  }

  /** Pay at the counter: prints a claim ticket with a QR code for a staffed till. */
  async payAtCounter(): Promise<CompletedClaim> {
    const { config, s } = this.startPaying("counter");
    const at = this.deps.clock.now();
    let claim: CompletedClaim;
    try {
      // The till takes the money; points as cash are offered there, not here.
      const quote = quoteSession(config, this.deps.store.member(s.member.memberId) ?? s.member, s.lines, at, false);
      claim = commitClaim(this.paymentDeps(), config, s.member, s.lines, quote, at);
    } catch (err) {
      this.paymentFailed(s, err);
      return this.storageFailure(err, "claim");
    }
    this.deps.onCommitted();
    this.enter({ name: "done", member: s.member, lines: s.lines, outcome: { kind: "claim", claim }, since: at }, { type: "paid", seq: claim.seq });
    await this.print(claim.receipt, claim.claimId);
    this.deps.indicator.success();
    return claim;
  }

  private startPaying(payWith: PayWith): { config: ConfigContent; s: Extract<CheckoutState, { name: "shopping" }>; quote: SessionQuote } {
    const config = this.requireConfig();
    const s = this.state;
    if (s.name !== "shopping") return this.refuse("NOT_SHOPPING", "no session in progress");
    if (s.lines.length === 0) return this.refuse("EMPTY_CART", "the cart is empty");
    this.requireWritable();
    let quote: SessionQuote;
    try {
      quote = this.sessionQuote()!;
    } catch (err) {
      if (isRulesError(err)) return this.refuse("UNKNOWN_PRODUCT", `cannot price the cart: ${err.message}`);
      throw err;
    }
    this.enter({ name: "paying", member: s.member, lines: s.lines, usePoints: s.usePoints, payWith, since: this.deps.clock.now() }, { type: "pay", payWith });
    return { config, s, quote };
  }

  private paymentFailed(s: Extract<CheckoutState, { name: "shopping" }>, err: unknown): void {
    const code = err instanceof CheckoutError ? err.code : isUnwritable(err) ? "STORAGE_UNAVAILABLE" : "INTERNAL";
    this.deps.indicator.failure();
    this.enter({ ...s, lastActivity: this.deps.clock.now() }, { type: "payment-failed", code: code as CheckoutRefusal });
  }

  private paymentDeps(): PaymentDeps {
    return { store: this.deps.store, deviceId: this.deps.deviceId, log: this.deps.log, timers: this.timers, authorize: this.deps.authorize };
  }

  private async print(receipt: ReceiptData, ref: string): Promise<void> {
    try {
      await this.deps.printer.print(receipt);
    } catch (err) {
      // The sale stands; a failed print is reported, and the e-receipt still exists.
      this.deps.log.error({ err: (err as Error).message, ref }, "receipt could not be printed");
    }
  }
}
