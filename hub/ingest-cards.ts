// Shopping cards (购物卡) at ingest: what a kiosk sale takes from the card it names, from the hub's own figures, and what a return gives back to it, once.
//
// The kiosk's card tender is a claim. The hub takes from the named card (it must be the member's) at
// most the claim, the re-priced amount to pay (after points as cash) and the allowance (the hold's card
// money online, what is left of offline shopping-card limit offline), debits it through MoneyLedger
// (shopping_card_log reason `shopping-card-spend`, ref the sale id: once, whatever the kiosk resends),
// and never refuses: a card taken below zero (offline at two kiosks) is an overdraft recorded for
// reconciliation. A return credits back the returned units' card share of the sale's tender plan
// (reason `shopping-card-return`, ref the return id), so all returns of a sale give back exactly
// what it took from the card.
import type { Database } from "../storage/database.js";
import type { ReturnFact, SaleFact } from "../protocol/messages.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import type { MoneyLedger } from "./backoffice/ledger.js";
import { Work } from "./backoffice/work.js";
import type { Allowance } from "./ingest-guard.js";

/** What the hub takes from a shopping card for a sale. */
export interface CardDebit {
  /** The card the kiosk named (undefined: no card tender). */
  cardId: string | undefined;
  /** The kiosk's claim: its shopping-card tenders for that card. */
  claimedFen: number;
  /** What the hub takes (0 when the card is not the member's). */
  fen: number;
  /** The card's balance before the sale (the hub's record). */
  balanceFen: number;
}

/** The card of the sale's first shopping-card tender, what the kiosk claims from it, and what the hub takes. */
export function cardDebit(db: Database, sale: SaleFact, payableFen: number, allowance: Allowance): CardDebit {
  const tenders = sale.tenders.filter((t) => t.kind === "shopping-card");
  const cardId = tenders[0]?.cardId;
  if (cardId === undefined) return { cardId: undefined, claimedFen: 0, fen: 0, balanceFen: 0 };
  const claimedFen = tenders.reduce((s, t) => s + t.amountFen, 0);
  const card = db.prepare("SELECT member_id, balance_fen FROM shopping_cards WHERE card_id = ?").get<{ member_id: string; balance_fen: number }>(cardId);
  if (!card || card.member_id !== sale.memberId) return { cardId, claimedFen, fen: 0, balanceFen: 0 };
  const fen = Math.max(0, Math.min(claimedFen, payableFen, allowance.shoppingCardFen));
  return { cardId, claimedFen, fen, balanceFen: Number(card.balance_fen) };
}

/**
 * Inside the ingest transaction, after the sale's row: takes the debit off the card (once per sale; the
 * member's changelog entry is the sale's own) and notes it on the sale. Returns the card's balance after it.
 */
export function debitCardInTx(ledger: MoneyLedger, db: Database, sale: SaleFact, debit: CardDebit): number {
  if (debit.cardId === undefined || debit.fen <= 0) return debit.balanceFen;
  ledger.applyInTx(
    {
      memberId: sale.memberId,
      reason: "shopping-card-spend",
      ref: sale.saleId,
      shoppingCard: { cardId: debit.cardId, fen: -debit.fen, allowNegative: true },
      deferChange: true,
    },
    new Work(),
  );
  db.prepare("UPDATE sales SET shopping_card_id = ?, shopping_card_fen = ? WHERE sale_id = ?").run(debit.cardId, debit.fen, sale.saleId);
  return debit.balanceFen - debit.fen;
}

/** Inside the ingest transaction, after the return's row: its card share back onto the card that paid the sale (once per return); true when it moved money. */
export function creditCardInTx(ledger: MoneyLedger, db: Database, ret: ReturnFact, tenders: TenderPlan | undefined, fen: number): boolean {
  const cardId = tenders?.shoppingCardId;
  if (cardId === undefined || fen <= 0) return false;
  ledger.applyInTx({ memberId: ret.memberId, reason: "shopping-card-return", ref: ret.returnId, shoppingCard: { cardId, fen }, deferChange: true }, new Work());
  db.prepare("UPDATE returns SET shopping_card_fen = ? WHERE return_id = ?").run(fen, ret.returnId);
  return true;
}
