// Staff returns at the kiosk: scan the receipt's QR, choose lines, reverse balance and points exactly as returnLines says.
//
//   idle --start (staff)--> awaiting-receipt --receipt scanned--> selecting --confirm--> done --> idle
//   any --cancel / returnIdleMs without action--> idle
//
// Only sales in this kiosk's own ledger can be returned here (it holds their priced cart and tender
// plan, which is what makes the refund exact); the refund to stored value and the points moves are a
// `return` ledger fact with the staff id, committed with their member effect in one transaction.
import { randomUUID } from "node:crypto";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { ConfigContent, MemberRecord, ReturnFact } from "../protocol/messages.js";
import { returnLines, type ReturnResult } from "../protocol/rules/returns.js";
import { isRulesError } from "../protocol/rules/errors.js";
import { localDate } from "../protocol/rules/time.js";
import type { ReceiptData } from "./printer/types.js";
import type { HeldCouponRecord, KioskStore, MemberEffect, StoredSale } from "./store.js";
import type { TimerHandle, Timers } from "./session/timers.js";
import { maskCardNo } from "./printer/receipt.js";
import { saleReceiptUrl } from "./session/payment.js";

export type ReturnErrorCode =
  | "RETURN_NOT_STARTED"
  | "RETURN_BLOCKED"
  | "RECEIPT_UNKNOWN"
  | "RECEIPT_OTHER_KIOSK"
  | "RETURN_WINDOW_PASSED"
  | "RETURN_INVALID"
  | "NOTHING_LEFT"
  | "NO_CONFIG";

export class ReturnError extends Error {
  constructor(
    readonly code: ReturnErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ReturnError";
  }
}

export interface ReturnableLine {
  index: number;
  sku: string;
  name: string;
  sold: number;
  returned: number;
  lineTotalFen: number;
}

export interface CompletedReturn {
  returnId: string;
  seq: number;
  saleId: string;
  result: ReturnResult;
  couponsRestored: HeldCouponRecord[];
  receipt: ReceiptData;
}

export type ReturnState =
  | { name: "idle" }
  | { name: "awaiting-receipt"; staffId: string; since: number }
  | { name: "selecting"; staffId: string; sale: StoredSale; member: MemberRecord | undefined; lines: ReturnableLine[]; since: number }
  | { name: "done"; staffId: string; completed: CompletedReturn; since: number };

export interface ReturnsDeps {
  store: KioskStore;
  config: () => ConfigContent | undefined;
  clock: Clock;
  timers: Timers;
  deviceId: string;
  log: Logger;
  printer: { print(receipt: ReceiptData): Promise<unknown> };
  onCommitted: () => void;
  /** False while a customer is using the kiosk: a return cannot start then. */
  kioskFree: () => boolean;
}

export class Returns {
  private state: ReturnState = { name: "idle" };
  private timer: TimerHandle | undefined;
  private readonly listeners: Array<(s: ReturnState) => void> = [];

  constructor(private readonly deps: ReturnsDeps) {}

  get current(): ReturnState {
    return this.state;
  }

  /** True while staff are in return mode, including the finished return's screen. */
  get active(): boolean {
    return this.state.name !== "idle";
  }

  /** True while the kiosk waits for a receipt or a line choice: scans go to the return, not to a checkout. */
  get takesScans(): boolean {
    return this.state.name === "awaiting-receipt" || this.state.name === "selecting";
  }

  onChange(listener: (s: ReturnState) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private enter(next: ReturnState): void {
    this.deps.timers.clear(this.timer);
    this.timer = undefined;
    this.state = next;
    if (next.name !== "idle") {
      const cfg = this.deps.config()?.device.session;
      const ms = next.name === "done" ? (cfg?.doneMs ?? 10_000) : (cfg?.returnIdleMs ?? 300_000);
      this.timer = this.deps.timers.set(() => {
        this.timer = undefined;
        if (next.name !== "done") this.deps.log.info({ state: next.name }, "return mode timed out");
        this.enter({ name: "idle" });
      }, ms);
    }
    for (const l of this.listeners) l(this.state);
  }

  private config(): ConfigContent {
    const c = this.deps.config();
    if (!c) throw new ReturnError("NO_CONFIG", "no signed config yet");
    return c;
  }

  /** Staff enter return mode: the kiosk waits for a receipt's QR code (or its receipt number). */
  start(staffId: string): void {
    if (this.state.name === "awaiting-receipt" || this.state.name === "selecting") {
      this.enter({ name: "awaiting-receipt", staffId, since: this.deps.clock.now() });
      return;
    }
    if (!this.deps.kioskFree()) throw new ReturnError("RETURN_BLOCKED", "a customer is using the kiosk; start the return when it is idle");
    this.deps.log.info({ staff: staffId }, "return mode started");
    this.enter({ name: "awaiting-receipt", staffId, since: this.deps.clock.now() });
  }

  cancel(): void {
    if (this.state.name !== "idle") this.deps.log.info({ state: this.state.name }, "return mode closed");
    this.enter({ name: "idle" });
  }

  stop(): void {
    this.deps.timers.clear(this.timer);
    this.timer = undefined;
    this.state = { name: "idle" };
  }

  /** The sale a receipt's QR text (e-receipt URL) or printed receipt number points at. */
  private saleFor(text: string, config: ConfigContent): StoredSale {
    const t = text.trim();
    const base = config.device.receiptUrlBase;
    let saleId: string | undefined;
    // `<base><saleId>.<receipt token>` (the token only opens the hub's e-receipt page).
    if (t.startsWith(base)) saleId = t.slice(base.length).split(".")[0];
    else {
      const m = /^([A-Za-z0-9_-]{1,64})-(\d{1,12})$/.exec(t);
      if (m && m[1] === this.deps.deviceId) saleId = this.deps.store.saleIdBySeq(Number(m[2]));
      else if (m && !/^[0-9a-f]{8}-/.test(t))
        throw new ReturnError("RECEIPT_OTHER_KIOSK", `this receipt is from kiosk ${m[1]}: return it there or at the service desk`);
      else saleId = t;
    }
    const sale = saleId && /^[A-Za-z0-9_-]{1,64}$/.test(saleId) ? this.deps.store.sale(saleId) : undefined;
    if (!sale) throw new ReturnError("RECEIPT_UNKNOWN", "this receipt is not a sale of this kiosk: return it at the service desk");
    return sale;
  }

  /** A scanned (or typed) receipt: loads the sale and what is left to return. */
  loadReceipt(text: string): Extract<ReturnState, { name: "selecting" }> {
    const s = this.state;
    if (s.name !== "awaiting-receipt" && s.name !== "selecting") throw new ReturnError("RETURN_NOT_STARTED", "start a return on the staff page first");
    const config = this.config();
    const sale = this.saleFor(text, config);
    const now = this.deps.clock.now();
    const windowDays = config.device.returns.windowDays;
    const today = localDate(now, config.rules.utcOffsetMinutes);
    const soldOn = localDate(sale.at, config.rules.utcOffsetMinutes);
    const ageDays = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${soldOn}T00:00:00Z`)) / 86_400_000);
    if (ageDays > windowDays) throw new ReturnError("RETURN_WINDOW_PASSED", `sold on ${soldOn}: returns are accepted for ${windowDays} days`);
    const returned = new Map(this.deps.store.returnedUnits(sale.saleId).map((r) => [r.index, r.qty]));
    const lines = sale.priced.lines.map((l) => ({
      index: l.index,
      sku: l.sku,
      name: l.name,
      sold: l.qty,
      returned: returned.get(l.index) ?? 0,
      lineTotalFen: l.lineTotalFen,
    }));
    if (lines.every((l) => l.returned >= l.sold)) throw new ReturnError("NOTHING_LEFT", "everything on this receipt has already been returned");
    const next = { name: "selecting" as const, staffId: s.staffId, sale, member: this.deps.store.member(sale.memberId), lines, since: now };
    this.deps.log.info({ sale: sale.saleId, staff: s.staffId }, "return: receipt loaded");
    this.enter(next);
    return next;
  }

  /** What returning these units would give back (nothing is committed). */
  preview(lines: ReadonlyArray<{ index: number; qty: number }>): ReturnResult {
    const s = this.state;
    if (s.name !== "selecting") throw new ReturnError("RETURN_NOT_STARTED", "scan the receipt first");
    return this.compute(s.sale, lines);
  }

  private compute(sale: StoredSale, lines: ReadonlyArray<{ index: number; qty: number }>): ReturnResult {
    try {
      return returnLines({
        cart: sale.priced,
        tenders: sale.tenders,
        lines: lines.map((l) => ({ ...l })),
        previouslyReturned: this.deps.store.returnedUnits(sale.saleId),
      });
    } catch (err) {
      if (isRulesError(err)) throw new ReturnError("RETURN_INVALID", err.message);
      throw err;
    }
  }

  /**
   * Commits the return: refund to stored value (principal and bonus), points spent given back, earned
   * points (base and level share) taken back, coupons restored when the whole order is back and they
   * are still valid. The external part is paid back by staff (card or cash) and printed on the slip.
   */
  async confirm(lines: ReadonlyArray<{ index: number; qty: number }>): Promise<CompletedReturn> {
    const s = this.state;
    if (s.name !== "selecting") throw new ReturnError("RETURN_NOT_STARTED", "scan the receipt first");
    if (lines.length === 0) throw new ReturnError("RETURN_INVALID", "choose at least one line");
    const config = this.config();
    const { sale } = s;
    const result = this.compute(sale, lines);
    const at = this.deps.clock.now();
    const today = localDate(at, config.rules.utcOffsetMinutes);
    const restorable = new Set(result.couponsRestorable);
    const couponsRestored = sale.coupons.filter((c) => restorable.has(c.instanceId) && c.expiresOn >= today);
    const t = result.totals;
    const returnId = randomUUID();
    const fact: ReturnFact = {
      type: "return",
      returnId,
      saleId: sale.saleId,
      memberId: sale.memberId,
      cardId: sale.cardId,
      staffId: s.staffId,
      lines: result.lines.map((l) => ({ index: l.index, qty: l.qty })),
      hints: {
        refundFen: t.refundFen,
        principalFen: t.principalFen,
        bonusFen: t.bonusFen,
        externalFen: t.externalFen,
        pointsCashFen: t.pointsCashFen,
        pointsGivenBack: t.pointsGivenBack,
        pointsTakenBack: t.pointsTakenBack,
        ...(t.shoppingCardFen ? { shoppingCardFen: t.shoppingCardFen } : {}),
      },
      couponsRestored,
    };
    const cardBack = sale.tenders.shoppingCardId && t.shoppingCardFen ? { cardId: sale.tenders.shoppingCardId, deltaFen: t.shoppingCardFen } : undefined;
    const effect: MemberEffect = {
      memberId: sale.memberId,
      pointsDelta: t.pointsGivenBack - t.pointsTakenBack,
      balanceDeltaFen: t.principalFen + t.bonusFen,
      bonusDeltaFen: t.bonusFen,
      coupons: couponsRestored.map((coupon) => ({ action: "restore" as const, coupon })),
      ...(cardBack ? { shoppingCard: cardBack } : {}),
    };
    const entry = this.deps.store.appendFact(fact, at, config.version, effect, () => this.deps.store.addReturnedUnitsInTx(sale.saleId, fact.lines));
    this.deps.onCommitted();
    this.deps.log.info(
      { return: returnId, sale: sale.saleId, seq: entry.seq, staff: s.staffId, refundFen: t.refundFen, netPoints: t.netPoints },
      "return committed",
    );
    const after = this.deps.store.member(sale.memberId);
    const receipt = this.slip(config, sale, result, entry.seq, at, after);
    const completed: CompletedReturn = { returnId, seq: entry.seq, saleId: sale.saleId, result, couponsRestored, receipt };
    this.enter({ name: "done", staffId: s.staffId, completed, since: at });
    try {
      await this.deps.printer.print(receipt);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, return: returnId }, "return slip could not be printed");
    }
    return completed;
  }

  private slip(config: ConfigContent, sale: StoredSale, result: ReturnResult, seq: number, at: number, after: MemberRecord | undefined): ReceiptData {
    const t = result.totals;
    const tenders = [
      ...(t.shoppingCardFen ? [{ method: "shopping-card", label: "退回购物卡", amountFen: t.shoppingCardFen }] : []),
      ...(t.principalFen + t.bonusFen > 0 ? [{ method: "balance", label: "退回储值", amountFen: t.principalFen + t.bonusFen }] : []),
      ...(t.externalFen > 0 ? [{ method: "external", label: "店员退款(原支付方式)", amountFen: t.externalFen }] : []),
      ...(t.pointsCashFen > 0 ? [{ method: "points", label: `退回积分(${t.pointsGivenBack}分)`, amountFen: t.pointsCashFen }] : []),
    ];
    return {
      storeName: config.device.storeName,
      kioskId: this.deps.deviceId,
      receiptNo: `RETURN-${this.deps.deviceId}-${seq}`,
      time: at,
      kind: "return",
      member: { maskedCardNo: maskCardNo(sale.cardId) },
      lines: result.lines.map((l) => {
        const line = sale.priced.lines[l.index]!;
        return {
          name: line.name,
          qty: l.qty,
          unitPriceFen: line.unitPriceFen,
          memberUnitPriceFen: line.memberUnitPriceFen,
          lineTotalFen: -l.refundFen,
          savingsFen: 0,
          ...(line.scale?.weightG !== undefined
            ? { weight: { grams: line.scale.weightG, perKgFen: line.scale.perUnitFen, memberPerKgFen: line.scale.memberPerUnitFen } }
            : {}),
        };
      }),
      coupons: [],
      totalFen: -t.refundFen,
      points: after ? { earned: t.pointsGivenBack - t.pointsTakenBack, balance: after.pointsBalance } : null,
      tenders: tenders.length > 0 ? tenders : [{ method: "external", label: "无退款", amountFen: 0 }],
      storedValueBalanceFen: after && (after.balanceFen !== 0 || t.principalFen + t.bonusFen > 0) ? after.balanceFen : null,
      // The sale's own e-receipt (with its token, as the sale receipt printed it): the hub's page shows the sale and its returns.
      eReceiptUrl: saleReceiptUrl(config, sale.saleId, this.deps.store.saleReceiptToken(sale.seq)),
      footer: [`原小票 Original receipt ${this.deps.deviceId}-${sale.seq}`],
    };
  }
}
