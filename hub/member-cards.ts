// The kiosks' copy of a member's shopping cards (members.shopping_cards, MemberRecord.shoppingCards), rewritten from the cards table whenever a card moves.
import type { Database } from "../storage/database.js";

/** Inside the caller's transaction: members.shopping_cards from shopping_cards (oldest card first), before the member's changelog entry reads the row. */
export function syncMemberCardsInTx(db: Database, memberId: string): void {
  const cards = db
    .prepare("SELECT card_id, balance_fen FROM shopping_cards WHERE member_id = ? ORDER BY created_at, rowid")
    .all<{ card_id: string; balance_fen: number }>(memberId)
    .map((c) => ({ cardId: c.card_id, balanceFen: Number(c.balance_fen) }));
  db.prepare("UPDATE members SET shopping_cards = ? WHERE member_id = ?").run(JSON.stringify(cards), memberId);
}
