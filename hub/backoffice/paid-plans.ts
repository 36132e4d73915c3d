// Shared by the counter's paid-plan sales (VIP in vip.ts, PLUS in plus-plans.ts): the purchase body and the quoted-price guard.
import { z } from "zod";
import { HubError } from "../errors.js";
import { Fen, Id, Note, PaymentSchema } from "./schemas.js";

/** POST .../purchase: the plan, where, how it is paid, and the price the counter showed. */
export const PlanBuyBody = z.strictObject({
  storeId: Id,
  planId: Id,
  payment: PaymentSchema,
  /** The price the counter showed; refused (PRICE_CHANGED) if the rules now say otherwise. */
  expectedPriceFen: Fen.optional(),
  note: Note.optional(),
});
export type PlanBuy = z.output<typeof PlanBuyBody>;

/** Refuses (422 PRICE_CHANGED) when the counter showed another price than the rules now give. */
export function requireQuotedPrice(expectedPriceFen: number | undefined, priceFen: number): void {
  if (expectedPriceFen !== undefined && expectedPriceFen !== priceFen) {
    throw new HubError("REFUSED", `the price is now ${priceFen} fen, not ${expectedPriceFen}`, { reason: "PRICE_CHANGED" });
  }
}

/** The record's note: the rules' note and the counter's, joined with '; '. */
export function joinNotes(...notes: Array<string | undefined>): string {
  return notes.filter((s): s is string => s !== undefined && s !== "").join("; ");
}
