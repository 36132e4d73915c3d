// A kiosk sale with an in-store scale label: the hub reads the label itself and arrives at the kiosk's figures (no disagreement); a kiosk that prices the label wrong is corrected.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LedgerEntry, MemberRecord, SaleFact } from "../protocol/messages.js";
import { ConfigContentSchema } from "../protocol/messages.js";
import { quoteSession } from "../device/session/pricing.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";

/** EAN-13 check digit, computed here (not with the code under test). */
function ean13(first12: string): string {
  const sum = [...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return first12 + String((10 - (sum % 10)) % 10);
}

// 750 g of apples (PLU 12345) on a weight label.
const LABEL = ean13("212345000750");
const rules = (): Record<string, unknown> => ({
  ...(JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>),
  scaleLabels: { value: "weight", plus: { "12345": "apples-1kg" } },
});

let world: IngestWorld;
beforeEach(async () => {
  world = await openIngestWorld(0);
  world.configs.publish("s01", { rules: rules(), device: {} }); // version 2
});
afterEach(() => world.close());

function entry(seq: number, hints: SaleFact["hints"], total: number): LedgerEntry {
  return {
    seq,
    entryId: `e${seq}`,
    at: T0,
    configVersion: 2,
    fact: {
      type: "sale",
      saleId: `sale-${seq}`,
      memberId: "m1",
      cardId: "C0001",
      lines: [
        { sku: "apples-1kg", qty: 1, scaleLabel: LABEL },
        { sku: "rice-5kg", qty: 2 },
      ],
      hints,
      tenders: [{ kind: "external", amountFen: total }],
      offlineApproved: false,
    },
  };
}

const disagreements = () => world.db.prepare("SELECT field, kiosk_value, hub_value FROM disagreements ORDER BY field").all();

describe("ingest of a scale-label sale", () => {
  it("re-prices the label as the kiosk did: no disagreement, the sale's figures are the kiosk's", () => {
    // The kiosk's own pricing of the cart (device/session/pricing.ts), with the same signed config content.
    const content = ConfigContentSchema.parse({ version: 2, chainId: "acme", storeId: "s01", issuedAt: T0, rules: rules(), device: {} });
    const member = world.members.get("m1") as MemberRecord;
    const q = quoteSession(
      content,
      member,
      [
        { sku: "apples-1kg", qty: 1, scaleLabel: LABEL },
        { sku: "rice-5kg", qty: 2 },
      ],
      T0,
      false,
    ).priced.totals;
    // By hand: apples 15.80/kg x 0.75 = 11.85, gold 90% of 15.80 = 14.22/kg x 0.75 = 10.665 -> 10.67; rice 2 x 53.91.
    expect(q).toMatchObject({ subtotalFen: 1185 + 11980, totalFen: 1067 + 10782, savingsFen: 118 + 1198, pointsEarned: 1 });
    const { ack } = world.ingest.handleBatch(K1, {
      entries: [entry(1, { subtotalFen: q.subtotalFen, totalFen: q.totalFen, savingsFen: q.savingsFen, pointsEarned: q.pointsEarned }, q.totalFen)],
    });
    expect(ack).toEqual({ ackedSeq: 1 });
    expect(disagreements()).toEqual([]);
    expect(world.db.prepare("SELECT subtotal_fen, total_fen, savings_fen, points_earned FROM sales").get()).toEqual({
      subtotal_fen: 13165,
      total_fen: 11849,
      savings_fen: 1316,
      points_earned: 1,
    });
  });

  it("records a disagreement when the kiosk priced the label as a whole kilogram, and keeps the hub's figure", () => {
    // A kiosk that ignored the weight: 15.80 list, 14.22 for gold.
    world.ingest.handleBatch(K1, {
      entries: [entry(1, { subtotalFen: 1580 + 11980, totalFen: 1422 + 10782, savingsFen: 158 + 1198, pointsEarned: 1 }, 12204)],
    });
    expect(disagreements()).toEqual([
      { field: "savingsFen", kiosk_value: 1356, hub_value: 1316 },
      { field: "subtotalFen", kiosk_value: 13560, hub_value: 13165 },
      { field: "totalFen", kiosk_value: 12204, hub_value: 11849 },
    ]);
    expect(world.db.prepare("SELECT total_fen FROM sales").get()).toEqual({ total_fen: 11849 });
  });

  it("rejects a sale whose label does not read (bad check digit), changing nothing", () => {
    const bad = LABEL.slice(0, 12) + String((Number(LABEL[12]) + 1) % 10);
    const e = entry(1, { subtotalFen: 13165, totalFen: 11849, savingsFen: 1316, pointsEarned: 1 }, 11849);
    (e.fact as SaleFact).lines[0] = { sku: "apples-1kg", qty: 1, scaleLabel: bad };
    const { ack } = world.ingest.handleBatch(K1, { entries: [e] });
    expect(ack.rejected?.map((r) => r.seq)).toEqual([1]);
    expect(world.db.prepare("SELECT COUNT(*) AS n FROM sales").get()).toEqual({ n: 0 });
  });
});
