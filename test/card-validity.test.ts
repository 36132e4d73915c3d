// A member card's validity (会员卡有效期, seed 000) at the kiosk: an expired card is refused at checkout (CARD_EXPIRED) and at the entrance gate, a valid one and an active VIP pass, by the kiosk's clock; a change at the hub reaches the kiosk.
import { describe, it, expect, afterEach } from "vitest";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import { displayView } from "../device/pages/view-model.js";
import { SyncWorld, BARCODES, allSynced } from "./sync-harness.js";
import { demoRules, waitUntil } from "../scripts/demo-env.js";

const DAY = 24 * 3600_000;
let w: SyncWorld;
afterEach(async () => {
  await w.stop();
});

describe("card validity at the kiosk", () => {
  it("refuses an expired card at checkout and at the gate, admits a valid one and an active VIP, and follows the hub's change", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: demoRules(), device: { gate: { deviceIds: ["g1"] } } });
    const now = Date.now();
    const keys = new Map<string, KeyPair>();
    const member = (memberId: string, extra: Record<string, unknown>): string => {
      const k = generateKeyPair();
      const cardId = `C${memberId}`;
      keys.set(cardId, k);
      w.hub.members.create({ memberId, cardId, name: `会员${memberId}`, levelId: "gold", cardClass: "standard", cardPublicKey: k.publicKey, ...extra });
      return cardId;
    };
    const lapsed = member("lapsed", { cardValidUntil: now - DAY });
    const valid = member("valid", { cardValidUntil: now + 30 * DAY });
    // Own validity past, but an active VIP carries the card until the VIP's expiry.
    const vip = member("vip", { cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: now + 10 * DAY, cardValidUntil: now - DAY });
    // The VIP has ended: its end restored a validity that has passed too.
    const vipLapsed = member("vip-lapsed", { cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: now - 2 * DAY, cardValidUntil: now - DAY });
    const ids = ["lapsed", "valid", "vip", "vip-lapsed"];
    const till = await w.addKiosk("k1", "s01");
    const gate = await w.addKiosk("g1", "s01");
    await w.ready(till, ids);
    await w.ready(gate, ids);
    expect(till.store.member("lapsed")?.cardValidUntil).toBe(now - DAY);
    const seconds = new Map<string, number>();
    const code = (cardId: string, k: typeof till): string => {
      // One code per second per card and kiosk (the replay guard): step back a second each time.
      const key = `${k.deviceId}/${cardId}`;
      const s = (seconds.get(key) ?? Math.floor(k.clock.now() / 1000) + 1) - 1;
      seconds.set(key, s);
      return createMemberCode(cardId, keys.get(cardId)!, s * 1000);
    };

    // Checkout: the expired cards are refused with their words, the others start a session.
    expect(till.handleText(code(lapsed, till))).toMatchObject({ kind: "refused", code: "CARD_EXPIRED" });
    expect(displayView(till)).toMatchObject({ state: "idle", notice: { code: "CARD_EXPIRED" } });
    expect(till.handleText(code(vipLapsed, till))).toMatchObject({ kind: "refused", code: "CARD_EXPIRED" });
    expect(till.handleText(code(valid, till))).toMatchObject({ kind: "member", memberId: "valid" });
    expect(till.handleText(BARCODES.rice)).toMatchObject({ kind: "product" });
    await till.checkout.finish("external");
    expect(till.handleText(code(vip, till))).toMatchObject({ kind: "member", memberId: "vip" });
    till.checkout.cancel("customer");

    // The gate: an expired card is refused before the paid-membership check, with the day it ended.
    const refused = gate.handleText(code(lapsed, gate));
    expect(refused).toMatchObject({ kind: "gate", admitted: false, code: "CARD_EXPIRED" });
    expect(refused.kind === "gate" && refused.message).toMatch(/^Member card expired on \d{4}-\d{2}-\d{2}\. Please renew it at the service desk\.$/);
    expect(displayView(gate)).toMatchObject({
      mode: "gate",
      state: "refused",
      next: { zh: expect.stringMatching(/^会员卡已于 \d{4}-\d{2}-\d{2} 过期，请到服务台续期$/) },
    });
    expect(gate.handleText(code(vipLapsed, gate))).toMatchObject({ admitted: false, code: "CARD_EXPIRED" });
    expect(gate.handleText(code(vip, gate))).toMatchObject({ kind: "gate", admitted: true, memberId: "vip" });
    // A valid card that is not a paid one: past the validity check, refused as not paid.
    expect(gate.handleText(code(valid, gate))).toMatchObject({ admitted: false, code: "not-paid" });
    const facts = gate.store.entries().flatMap((e) => (e.fact.type === "gate_entry" ? [[e.fact.memberId, e.fact.admitted, e.fact.reason ?? null]] : []));
    expect(facts).toEqual([
      ["lapsed", false, "expired"],
      ["vip-lapsed", false, "expired"],
      ["vip", true, null],
      ["valid", false, "not-paid"],
    ]);
    await allSynced([till, gate]);
    expect(w.hub.ingest.memberActivity("lapsed").gate).toEqual([expect.objectContaining({ admitted: false, reason: "expired" })]);

    // Renewed at the hub: the kiosk gets the member change and the card passes.
    w.hub.members.update("lapsed", { cardValidUntil: now + 365 * DAY });
    await waitUntil(() => till.store.member("lapsed")?.cardValidUntil === now + 365 * DAY, "renewal reached the kiosk", 20_000);
    expect(till.handleText(code(lapsed, till))).toMatchObject({ kind: "member", memberId: "lapsed" });
  });
});
