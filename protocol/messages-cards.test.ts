// Shopping cards on the wire: the sale's card tender, the return's card refund, the member's cards and the card hold; older messages still parse.
import { describe, expect, it } from "vitest";
import { AuthRequestSchema, AuthResponseSchema, MemberRecordSchema, ReturnFactSchema, SaleFactSchema } from "./messages.js";

const sale = {
  type: "sale",
  saleId: "s1",
  memberId: "m1",
  cardId: "C1",
  lines: [{ sku: "rice", qty: 2 }],
  hints: { subtotalFen: 100, totalFen: 90, savingsFen: 10, pointsEarned: 0 },
  tenders: [{ kind: "external", amountFen: 90 }],
};
const card = "shc_0123456789abcdef";

describe("shopping cards in messages", () => {
  it("a sale from before shopping cards paid parses as it did", () => {
    const parsed = SaleFactSchema.parse(sale);
    expect(parsed.tenders).toEqual([{ kind: "external", amountFen: 90 }]);
  });

  it("a shopping-card tender names its card, and only it does", () => {
    const withCard = {
      ...sale,
      tenders: [
        { kind: "shopping-card", amountFen: 60, cardId: card },
        { kind: "external", amountFen: 30 },
      ],
    };
    expect(SaleFactSchema.parse(withCard).tenders[0]).toEqual({ kind: "shopping-card", amountFen: 60, cardId: card });
    expect(SaleFactSchema.safeParse({ ...sale, tenders: [{ kind: "shopping-card", amountFen: 60 }] }).success).toBe(false);
    expect(SaleFactSchema.safeParse({ ...sale, tenders: [{ kind: "balance", amountFen: 60, cardId: card }] }).success).toBe(false);
    expect(SaleFactSchema.safeParse({ ...sale, tenders: [{ kind: "shopping-card", amountFen: -1, cardId: card }] }).success).toBe(false);
  });

  it("a return's card refund hint is optional", () => {
    const ret = {
      type: "return",
      returnId: "r1",
      saleId: "s1",
      memberId: "m1",
      cardId: "C1",
      staffId: "st1",
      lines: [{ index: 0, qty: 1 }],
      hints: { refundFen: 45, principalFen: 0, bonusFen: 0, externalFen: 45, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 0 },
    };
    expect(ReturnFactSchema.parse(ret).hints.shoppingCardFen).toBeUndefined();
    expect(ReturnFactSchema.parse({ ...ret, hints: { ...ret.hints, shoppingCardFen: 30 } }).hints.shoppingCardFen).toBe(30);
  });

  it("the member record carries the member's cards; a record without them has none", () => {
    const m = {
      memberId: "m1",
      cardId: "C1",
      name: "张三",
      levelId: "normal",
      cardClass: "standard",
      cardPublicKey: "A".repeat(43),
      status: "active",
      pointsBalance: 0,
      balanceFen: 0,
    };
    expect(MemberRecordSchema.parse(m).shoppingCards).toEqual([]);
    expect(MemberRecordSchema.parse({ ...m, shoppingCards: [{ cardId: card, balanceFen: 5000 }] }).shoppingCards).toEqual([{ cardId: card, balanceFen: 5000 }]);
    expect(MemberRecordSchema.safeParse({ ...m, shoppingCards: [{ cardId: "bad id!", balanceFen: 5000 }] }).success).toBe(false);
  });

  it("an authorisation may hold a card's money; the answer says what the card has left", () => {
    expect(AuthRequestSchema.parse({ requestId: "q1", memberId: "m1", balanceFen: 0, points: 0 }).shoppingCard).toBeUndefined();
    expect(
      AuthRequestSchema.parse({ requestId: "q1", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: card, amountFen: 100 } }).shoppingCard,
    ).toEqual({
      cardId: card,
      amountFen: 100,
    });
    const declined = AuthResponseSchema.parse({
      requestId: "q1",
      approved: false,
      reason: "insufficient-shopping-card",
      availableBalanceFen: 0,
      availablePoints: 0,
      availableShoppingCardFen: 50,
    });
    expect(declined.availableShoppingCardFen).toBe(50);
  });
});
