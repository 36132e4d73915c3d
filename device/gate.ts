// Entrance gate of a paid-member store: a valid paid member (or their active secondary card) opens the relay.
//
// A kiosk listed in the store policy's `gate.deviceIds` admits instead of selling. Every decision on a
// known card (admitted or refused, and why) is a gate_entry ledger fact; an invalid or unknown code is
// refused with a message and logged, and changes nothing. An expired member card (its validity, by the
// kiosk's clock) is refused before the paid-membership check.
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { ConfigContent, GateEntryFact, GateRefusal, MemberRecord } from "../protocol/messages.js";
import type { ReplayStore } from "../protocol/member-code.js";
import { localDate } from "../protocol/rules/time.js";
import type { KioskStore } from "./store.js";
import { memberFromCode } from "./session/identify.js";
import { cardExpired, cardValidity } from "../protocol/card-validity.js";
import { CheckoutError } from "./session/types.js";
import type { TimerHandle, Timers } from "./session/timers.js";

export interface GateRelay {
  openGate(ms?: number): Promise<void>;
  success(): void;
  failure(): void;
}

export interface GateDeps {
  store: KioskStore;
  config: () => ConfigContent | undefined;
  clock: Clock;
  replay: ReplayStore;
  relay: GateRelay;
  deviceId: string;
  log: Logger;
  timers: Timers;
  onCommitted: () => void;
}

export interface GateResult {
  admitted: boolean;
  /** Refusal code: a GateRefusal for a known card (CARD_EXPIRED for an expired member card), or the checkout code (CODE_INVALID, MEMBER_UNKNOWN, NO_CONFIG). */
  code?: string;
  message: string;
  memberId?: string;
  memberName?: string;
  validUntil?: number;
  at: number;
  seq?: number;
}

function day(config: ConfigContent, at: number): string {
  return localDate(at, config.rules.utcOffsetMinutes);
}

/** Whether a card class is a paid membership in this store, and until when the member holds it. */
function paidStatus(
  config: ConfigContent,
  m: MemberRecord,
  at: number,
): { ok: true; until?: number } | { ok: false; reason: "not-paid" | "expired"; until?: number } {
  const paid =
    config.device.gate.paidCardClasses.length > 0 ? config.device.gate.paidCardClasses : config.rules.cardClasses.filter((c) => c.vip).map((c) => c.id);
  if (!paid.includes(m.cardClass)) return { ok: false, reason: "not-paid" };
  if (m.vipExpiresAt !== undefined && at >= m.vipExpiresAt) return { ok: false, reason: "expired", until: m.vipExpiresAt };
  return m.vipExpiresAt !== undefined ? { ok: true, until: m.vipExpiresAt } : { ok: true };
}

export class Gate {
  private lastResult: GateResult | undefined;
  private clearTimer: TimerHandle | undefined;
  private readonly listeners: Array<(r: GateResult | undefined) => void> = [];

  constructor(private readonly deps: GateDeps) {}

  /** True when the store policy makes this kiosk an entrance gate. */
  get active(): boolean {
    return this.deps.config()?.device.gate.deviceIds.includes(this.deps.deviceId) ?? false;
  }

  /** The last decision, while it is still on screen. */
  get last(): GateResult | undefined {
    return this.lastResult;
  }

  onChange(listener: (r: GateResult | undefined) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private show(r: GateResult): GateResult {
    const { timers } = this.deps;
    timers.clear(this.clearTimer);
    this.lastResult = r;
    this.clearTimer = timers.set(() => {
      this.lastResult = undefined;
      for (const l of this.listeners) l(undefined);
    }, this.deps.config()?.device.session.cancelledMs ?? 6_000);
    for (const l of this.listeners) l(r);
    return r;
  }

  stop(): void {
    this.deps.timers.clear(this.clearTimer);
  }

  /** A member code at the entrance. */
  admit(codeText: string): GateResult {
    const { deps } = this;
    const at = deps.clock.now();
    const config = deps.config();
    if (!config) return this.show({ admitted: false, code: "NO_CONFIG", message: "The gate is not ready yet. Please see the service desk.", at });
    let member: MemberRecord;
    try {
      member = memberFromCode(deps, config, codeText, { expiredCards: "return" });
    } catch (err) {
      if (!(err instanceof CheckoutError)) throw err;
      deps.log.warn({ code: err.code }, `gate: ${err.message}`);
      deps.relay.failure();
      const message =
        err.code === "MEMBER_UNKNOWN"
          ? "Card not recognised. Please see the service desk."
          : "This member code is not valid. Please refresh the code in your app.";
      return this.show({ admitted: false, code: err.code, message, at });
    }
    const decision = this.decide(config, member, at);
    const fact: GateEntryFact = {
      type: "gate_entry",
      memberId: member.memberId,
      cardId: member.cardId,
      admitted: decision.reason === undefined,
      cardClass: decision.holder.cardClass,
      ...(decision.reason ? { reason: decision.reason } : {}),
      ...(member.primaryMemberId ? { primaryMemberId: member.primaryMemberId } : {}),
      ...(decision.holder.vipExpiresAt !== undefined ? { vipExpiresAt: decision.holder.vipExpiresAt } : {}),
    };
    const entry = deps.store.appendFact(fact, at, config.version);
    deps.onCommitted();
    const base = {
      memberId: member.memberId,
      memberName: member.name,
      at,
      seq: entry.seq,
      ...(decision.until !== undefined ? { validUntil: decision.until } : {}),
    };
    if (decision.reason) {
      deps.log.info({ member: member.memberId, reason: decision.reason, seq: entry.seq }, "gate: entry refused");
      deps.relay.failure();
      return this.show({ admitted: false, code: decision.code ?? decision.reason, message: decision.message, ...base });
    }
    deps.log.info({ member: member.memberId, seq: entry.seq, secondary: member.primaryMemberId !== undefined }, "gate: entry admitted");
    deps.relay.success();
    void deps.relay.openGate(config.device.gate.pulseMs).catch((err: unknown) => deps.log.error({ err: (err as Error).message }, "gate: relay failed"));
    return this.show({ admitted: true, message: decision.message, ...base });
  }

  private decide(
    config: ConfigContent,
    member: MemberRecord,
    at: number,
  ): { reason?: GateRefusal; code?: string; message: string; holder: MemberRecord; until?: number } {
    if (member.status === "blocked") return { reason: "blocked", message: "This card is blocked. Please see the service desk.", holder: member };
    // The card's own validity (会员卡有效期): recorded as "expired" (a fact reason every hub knows), shown as CARD_EXPIRED.
    if (cardExpired(member, at)) {
      const until = cardValidity(member, at) ?? at;
      const message = `Member card expired on ${day(config, until - 1)}. Please renew it at the service desk.`;
      return { reason: "expired", code: "CARD_EXPIRED", message, holder: member, until };
    }
    let holder = member;
    if (member.primaryMemberId !== undefined) {
      const primary = this.deps.store.member(member.primaryMemberId);
      if (!primary || primary.status === "blocked") {
        return { reason: "primary-invalid", message: "The main card of this family card is not valid. Please see the service desk.", holder: member };
      }
      holder = primary;
    }
    const paid = paidStatus(config, holder, at);
    if (!paid.ok) {
      if (paid.reason === "expired") {
        const until = paid.until ?? at;
        return { reason: "expired", message: `Membership expired on ${day(config, until - 1)}. Please renew at the service desk.`, holder, until };
      }
      return { reason: "not-paid", message: "This card is not a paid membership. Please join or renew at the service desk.", holder };
    }
    const validity = paid.until !== undefined ? ` Membership valid until ${day(config, paid.until - 1)}.` : "";
    return { message: `Welcome!${validity}`, holder, ...(paid.until !== undefined ? { until: paid.until } : {}) };
  }
}
