// The checkout flow: member code -> member -> scanned products priced by the signed rules -> one committed sale.
//
// An explicit state machine (idle -> shopping -> idle) with named refusals. Issue #6 grows it into the
// full kiosk session (staff verification, coupons, tenders, timeouts); the skeleton keeps the path
// real end to end: the sale, its points and its outbox entry are committed in one transaction.
import { randomUUID } from "node:crypto";
import type { Logger } from "../protocol/log.js";
import type { Clock } from "../protocol/clock.js";
import { verifyMemberCode, type ReplayGuard } from "../protocol/member-code.js";
import { ProtocolError } from "../protocol/errors.js";
import type { ConfigContent, MemberRecord } from "../protocol/messages.js";
import { priceSale } from "../protocol/sale-pricing.js";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import { isRulesError } from "../protocol/rules/errors.js";
import type { ReceiptData } from "./printer/types.js";
import type { KioskStore, MemberEffect } from "./store.js";
import type { AuthRequest, AuthResponse, SaleFact } from "../protocol/messages.js";
import { localDate } from "../protocol/rules/time.js";

export type CheckoutRefusal =
  | "NO_CONFIG"
  | "CODE_INVALID"
  | "MEMBER_UNKNOWN"
  | "MEMBER_BLOCKED"
  | "MEMBER_FIRST"
  | "UNKNOWN_PRODUCT"
  | "UNRECOGNISED_CODE"
  | "EMPTY_CART"
  | "NOT_SHOPPING"
  | "BALANCE_DECLINED"
  | "BALANCE_INSUFFICIENT"
  | "OFFLINE_LIMIT";

export class CheckoutError extends Error {
  constructor(
    readonly code: CheckoutRefusal,
    message: string,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

export type CheckoutState =
  | { name: "idle" }
  | { name: "shopping"; member: MemberRecord; lines: Array<{ sku: string; qty: number }> }
  | { name: "paying"; member: MemberRecord; lines: Array<{ sku: string; qty: number }> };

export type PayWith = "external" | "balance";

export interface CompletedSale {
  saleId: string;
  seq: number;
  member: MemberRecord;
  priced: PricedCart;
  receipt: ReceiptData;
}

export interface CheckoutPrinter {
  print(receipt: ReceiptData): Promise<unknown>;
}

export interface Indicator {
  success(): void;
  failure(): void;
}

export interface CheckoutDeps {
  store: KioskStore;
  config: () => ConfigContent | undefined;
  /** The hub-corrected clock. */
  clock: Clock;
  replay: ReplayGuard;
  printer: CheckoutPrinter;
  indicator: Indicator;
  deviceId: string;
  log: Logger;
  /** Called after a sale is committed (the sync sends the outbox). */
  onCommitted: () => void;
  /** Asks the hub to hold the amount; undefined when it does not answer within the deadline. */
  authorize: (req: AuthRequest, deadlineMs: number) => Promise<AuthResponse | undefined>;
}

export function maskCard(cardId: string): string {
  return cardId.length <= 4 ? "****" : `${"*".repeat(cardId.length - 4)}${cardId.slice(-4)}`;
}

export class Checkout {
  private state: CheckoutState = { name: "idle" };

  constructor(private readonly deps: CheckoutDeps) {}

  get current(): CheckoutState {
    return this.state;
  }

  private refuse(code: CheckoutRefusal, message: string, extra: Record<string, unknown> = {}): never {
    this.deps.log.warn({ code, ...extra }, message);
    this.deps.indicator.failure();
    throw new CheckoutError(code, message);
  }

  private requireConfig(): ConfigContent {
    return this.deps.config() ?? this.refuse("NO_CONFIG", "no signed config yet: the kiosk cannot sell");
  }

  /** A scanned member code: verified offline against the card's public key; starts a session. */
  identify(codeText: string): MemberRecord {
    const config = this.requireConfig();
    let cardId: string;
    try {
      cardId = verifyMemberCode(codeText, {
        publicKeyOf: (card) => {
          const m = this.deps.store.memberByCard(card);
          return m ? m.cardPublicKey : undefined;
        },
        nowMs: this.deps.clock.now(),
        replay: this.deps.replay,
        windowSeconds: config.device.memberCodeWindowSeconds,
      }).cardId;
    } catch (err) {
      if (err instanceof ProtocolError) {
        const code = err.code === "CODE_UNKNOWN_CARD" ? "MEMBER_UNKNOWN" : "CODE_INVALID";
        return this.refuse(code, `member code refused: ${err.message}`, { reason: err.code });
      }
      throw err;
    }
    const member = this.deps.store.memberByCard(cardId) ?? this.refuse("MEMBER_UNKNOWN", "member not found");
    if (member.status === "blocked") this.refuse("MEMBER_BLOCKED", "this card is blocked; please see the service desk", { member: member.memberId });
    this.state = { name: "shopping", member, lines: [] };
    this.deps.log.info({ member: member.memberId }, "member identified");
    return member;
  }

  /** A scanned product barcode: added to the cart (the same product again adds one more). */
  addProduct(barcode: string): { sku: string; name: string; qty: number } {
    const config = this.requireConfig();
    if (this.state.name !== "shopping") return this.refuse("MEMBER_FIRST", "scan your member code first");
    const product = config.rules.catalog.find((p) => p.barcode === barcode);
    if (!product) return this.refuse("UNKNOWN_PRODUCT", "unknown product barcode", { barcode });
    const line = this.state.lines.find((l) => l.sku === product.sku);
    if (line) line.qty += 1;
    else this.state.lines.push({ sku: product.sku, qty: 1 });
    return { sku: product.sku, name: product.name, qty: line?.qty ?? 1 };
  }

  /** The running price of the cart, without committing anything. */
  quote(): PricedCart {
    const config = this.requireConfig();
    if (this.state.name !== "shopping") return this.refuse("NOT_SHOPPING", "no session in progress");
    if (this.state.lines.length === 0) return this.refuse("EMPTY_CART", "the cart is empty");
    return priceSale(config, this.state.member, this.state.lines, this.deps.clock.now());
  }

  /** Online authorisation, or the offline limits when the hub does not answer in time. Fills in the tender. */
  private async authoriseBalance(config: ConfigContent, member: MemberRecord, saleId: string, amountFen: number, at: number, fact: SaleFact, effect: MemberEffect): Promise<void> {
    const answer = await this.deps.authorize({ requestId: saleId, memberId: member.memberId, balanceFen: amountFen, points: 0 }, config.device.authorisationTimeoutMs);
    if (answer && !answer.approved) {
      this.refuse("BALANCE_DECLINED", `stored-value payment declined (${answer.reason ?? "declined"})`, { member: member.memberId });
    }
    if (answer) {
      fact.authorization = { requestId: saleId, mode: "online" };
    } else {
      const day = localDate(at, config.rules.utcOffsetMinutes);
      const used = this.deps.store.offlineUsage(member.memberId, day).balanceFen;
      const limit = config.device.offlineLimits.balanceFenPerMemberPerDay;
      if (used + amountFen > limit) {
        this.refuse("OFFLINE_LIMIT", "the hub cannot be reached and this payment is over the offline limit; please pay by card", { used, limit });
      }
      const local = this.deps.store.member(member.memberId)?.balanceFen ?? member.balanceFen;
      if (amountFen > local) this.refuse("BALANCE_INSUFFICIENT", "not enough stored value", { member: member.memberId });
      fact.authorization = { requestId: saleId, mode: "offline" };
      fact.offlineApproved = true;
      effect.offline = { day, balanceFen: amountFen, points: 0 };
      this.deps.log.warn({ member: member.memberId, amountFen, used, limit }, "stored-value payment approved offline (hub unreachable)");
    }
    fact.tenders = [{ kind: "balance", amountFen }];
    effect.balanceDeltaFen = -amountFen;
  }

  cancel(): void {
    if (this.state.name !== "idle") this.deps.log.info("session cancelled");
    this.state = { name: "idle" };
  }

  /**
   * Pays (externally at the attached terminal, or from the stored-value balance), commits the sale
   * with its points, balance effect and outbox entry in one transaction, prints the receipt and
   * returns to idle. Balance payments are authorised by the hub when it answers in time, otherwise
   * within the store's offline limits (per member per day) and marked offline-approved.
   */
  async finish(payWith: PayWith = "external"): Promise<CompletedSale> {
    const config = this.requireConfig();
    if (this.state.name !== "shopping") return this.refuse("NOT_SHOPPING", "no session in progress");
    if (this.state.lines.length === 0) return this.refuse("EMPTY_CART", "the cart is empty");
    const { member, lines } = this.state;
    const at = this.deps.clock.now();
    let priced: PricedCart;
    try {
      priced = priceSale(config, member, lines, at);
    } catch (err) {
      if (isRulesError(err)) return this.refuse("UNKNOWN_PRODUCT", `cannot price the cart: ${err.message}`);
      throw err;
    }
    const saleId = randomUUID();
    const t = priced.totals;
    const effect: MemberEffect = { memberId: member.memberId, pointsDelta: t.pointsEarned, balanceDeltaFen: 0 };
    const fact: SaleFact = {
      type: "sale",
      saleId,
      memberId: member.memberId,
      cardId: member.cardId,
      lines: lines.map((l) => ({ ...l })),
      hints: { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned },
      tenders: [{ kind: "external", amountFen: t.totalFen }],
      offlineApproved: false,
    };
    if (payWith === "balance" && t.totalFen > 0) {
      this.state = { name: "paying", member, lines };
      try {
        await this.authoriseBalance(config, member, saleId, t.totalFen, at, fact, effect);
      } finally {
        if (this.state.name === "paying") this.state = { name: "shopping", member, lines };
      }
    }
    const entry = this.deps.store.appendFact(fact, at, config.version, effect);
    this.state = { name: "idle" };
    this.deps.onCommitted();
    const after = this.deps.store.member(member.memberId) ?? member;
    const receipt: ReceiptData = {
      storeName: config.device.storeName,
      kioskId: this.deps.deviceId,
      receiptNo: `${this.deps.deviceId}-${entry.seq}`,
      time: at,
      member: { maskedCardNo: maskCard(member.cardId) },
      lines: priced.lines.map((l) => ({
        name: l.name,
        qty: l.qty,
        unitPriceFen: l.unitPriceFen,
        memberUnitPriceFen: l.memberUnitPriceFen,
        lineTotalFen: l.lineTotalFen,
        savingsFen: l.savingsFen,
      })),
      coupons: priced.appliedCoupons.map((c) => ({ name: c.name, amountFen: c.discountFen })),
      totalFen: t.totalFen,
      points: { earned: t.pointsEarned, balance: after.pointsBalance },
      tenders: fact.tenders.map((x) => ({ method: x.kind, label: x.kind === "balance" ? (fact.offlineApproved ? "Stored value (offline)" : "Stored value") : "Card", amountFen: x.amountFen })),
      storedValueBalanceFen: after.balanceFen,
      eReceiptUrl: `${config.device.receiptUrlBase}${saleId}`,
    };
    this.deps.log.info({ sale: saleId, seq: entry.seq, totalFen: t.totalFen, points: t.pointsEarned }, "sale committed");
    try {
      await this.deps.printer.print(receipt);
    } catch (err) {
      // The sale stands; a failed print is reported, and the e-receipt still exists.
      this.deps.log.error({ err: (err as Error).message, sale: saleId }, "receipt could not be printed");
    }
    this.deps.indicator.success();
    return { saleId, seq: entry.seq, member, priced, receipt };
  }
}
