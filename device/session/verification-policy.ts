// Whether a member must be checked against their headshot by staff before shopping (DevicePolicy.verification), and the ledger fact of a staff decision.
import type { DevicePolicy } from "../../protocol/device-policy.js";
import type { MemberRecord, VerificationFact, VerificationReason } from "../../protocol/messages.js";
import type { CheckoutState } from "./types.js";
import type { RulesConfig } from "../../protocol/rules/config.js";

/** The card class in force at `at`: a VIP class after its expiry is the class the card reverted to. */
export function effectiveCardClass(rules: RulesConfig, member: MemberRecord, at: number): { classId: string; vipExpired: boolean } {
  const cls = rules.cardClasses.find((c) => c.id === member.cardClass);
  const expired = cls?.vip === true && member.vipExpiresAt !== undefined && at >= member.vipExpiresAt;
  if (expired) return { classId: member.baseCardClass ?? member.cardClass, vipExpired: true };
  return { classId: member.cardClass, vipExpired: false };
}

export interface VerificationContext {
  rules: RulesConfig;
  at: number;
  /** True when the member has not been admitted at this kiosk yet today (store-local day). */
  firstUseToday: boolean;
  /** A uniform number in [0, 1); drawn only when the one-in-N check is the deciding one. */
  random: () => number;
}

/** Every reason the policy gives for checking this member (empty: no check). */
export function verificationReasons(policy: DevicePolicy["verification"], member: MemberRecord, ctx: VerificationContext): VerificationReason[] {
  const reasons: VerificationReason[] = [];
  if (policy.cardClasses.includes(effectiveCardClass(ctx.rules, member, ctx.at).classId)) reasons.push("card-class");
  if (policy.secondaryCards && member.primaryMemberId !== undefined) reasons.push("secondary-card");
  if (policy.firstUseOfDay && ctx.firstUseToday) reasons.push("first-use-of-day");
  if (reasons.length === 0 && policy.oneInN > 0 && Math.floor(ctx.random() * policy.oneInN) === 0) reasons.push("random");
  return reasons;
}

/** The ledger fact of a staff decision on the pending photo check `s`. */
export function verificationFact(
  s: Extract<CheckoutState, { name: "verifying" }>,
  staffId: string,
  decision: "approved" | "rejected",
  note?: string,
): VerificationFact {
  return {
    type: "verification",
    requestId: s.verification.requestId,
    memberId: s.member.memberId,
    cardId: s.member.cardId,
    staffId,
    decision,
    reasons: s.verification.reasons,
    ...(s.member.headshotHash ? { headshotHash: s.member.headshotHash } : {}),
    ...(note ? { note } : {}),
  };
}
