// Entrance gate of a paid-member store on the simulated GPIO: who opens the relay, who does not and why, every entry a ledger fact at the hub.
import { describe, it, expect, afterEach } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import type { Kiosk } from "../device/kiosk.js";
import { buildKiosk } from "../device/compose.js";
import { parseKioskConfig } from "../device/config.js";
import { createHardware } from "../device/hardware.js";
import type { GpioIndicator } from "../device/gpio/indicator.js";
import { displayView } from "../device/pages/view-model.js";
import { SyncWorld, allSynced, CHAIN } from "./sync-harness.js";
import { demoRules, waitUntil } from "../scripts/demo-env.js";

const DAY = 24 * 3600_000;
let w: SyncWorld;
let kiosk: Kiosk | undefined;
afterEach(async () => {
  await kiosk?.stop();
  kiosk = undefined;
  await w.stop();
});

describe("entrance gate", () => {
  it("opens the relay for a valid paid member and their secondary card, refuses expired, free, blocked and unknown cards with a clear message", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: demoRules(), device: { storeName: "Paid member store 会员店", gate: { deviceIds: ["gate-1"], pulseMs: 300 } } });
    const now = Date.now();
    const keys = new Map<string, KeyPair>();
    const member = (memberId: string, extra: Record<string, unknown>): string => {
      const k = generateKeyPair();
      const cardId = `C${memberId}`;
      keys.set(cardId, k);
      w.hub.members.create({ memberId, cardId, name: `会员${memberId}`, levelId: "gold", cardClass: "standard", cardPublicKey: k.publicKey, ...extra });
      return cardId;
    };
    const paid = member("paid", { cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: now + 30 * DAY });
    const family = member("family", { primaryMemberId: "paid" });
    const expired = member("expired", { cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: now - 2 * DAY });
    const free = member("free", {});
    const blocked = member("blocked", { cardClass: "vip-gold", vipExpiresAt: now + DAY, status: "blocked" });
    const orphan = member("orphan", { primaryMemberId: "expired" });

    // A kiosk built here so the test can watch its (simulated) GPIO lines.
    const dir = join(w.dir, "gate-1");
    mkdirSync(dir, { recursive: true });
    const creds = w.hub.devices.provision({ chainId: CHAIN, storeId: "s01", deviceId: "gate-1" });
    writeFileSync(join(dir, "secret"), creds.password, { mode: 0o600 });
    const config = parseKioskConfig({
      chainId: CHAIN,
      storeId: "s01",
      deviceId: "gate-1",
      dataDir: dir,
      hub: { url: w.hub.brokerUrl, username: "gate-1", passwordFile: join(dir, "secret"), trustedKeys: w.hub.trustedKeys },
      scan: { source: { driver: "simulated" }, decoder: "inline" },
      printer: { transport: "simulated" },
      gpio: { driver: "simulated", gate: { line: 17 }, greenLed: { line: 27 }, redLed: { line: 22 } },
    });
    const hardware = await createHardware(config, { clock: systemClock, log: w.log });
    kiosk = await buildKiosk(config, { hardware, clock: systemClock, log: w.log });
    await kiosk.start();
    const k = kiosk;
    await w.ready(k, ["paid", "family", "expired", "free", "blocked", "orphan"]);
    const gpio = (hardware.indicator as GpioIndicator).gpio;
    const gateOpenings = (): number => gpio.history.filter((t) => t.role === "gate" && t.value === 1).length;
    const code = (cardId: string): string => createMemberCode(cardId, keys.get(cardId)!, k.clock.now());

    expect(displayView(k)).toMatchObject({ mode: "gate", state: "idle" });
    expect(k.handleText(code(paid))).toMatchObject({ kind: "gate", admitted: true, memberId: "paid" });
    expect(displayView(k)).toMatchObject({ mode: "gate", state: "admitted", gate: { admitted: true, name: "会****d" } });
    await waitUntil(() => gpio.history.some((t) => t.role === "gate" && t.value === 0 && gateOpenings() === 1), "relay pulsed and dropped");
    expect(k.handleText(code(family))).toMatchObject({ kind: "gate", admitted: true, memberId: "family" });
    await waitUntil(() => gateOpenings() === 2, "relay pulsed for the secondary card");

    const refusedExpired = k.handleText(code(expired));
    expect(refusedExpired).toMatchObject({ kind: "gate", admitted: false, code: "expired" });
    expect(refusedExpired.kind === "gate" && refusedExpired.message).toMatch(/^Membership expired on \d{4}-\d{2}-\d{2}\. Please renew at the service desk\.$/);
    expect(k.handleText(code(free))).toMatchObject({
      admitted: false,
      code: "not-paid",
      message: "This card is not a paid membership. Please join or renew at the service desk.",
    });
    expect(k.handleText(code(blocked))).toMatchObject({ admitted: false, code: "blocked" });
    expect(k.handleText(code(orphan))).toMatchObject({ admitted: false, code: "expired" });
    const stranger = generateKeyPair();
    expect(k.handleText(createMemberCode("C999", stranger, k.clock.now()))).toMatchObject({
      kind: "gate",
      admitted: false,
      code: "MEMBER_UNKNOWN",
      message: "Card not recognised. Please see the service desk.",
    });
    expect(k.handleText(createMemberCode(paid, stranger, k.clock.now()))).toMatchObject({ admitted: false, code: "CODE_INVALID" });
    expect(k.handleText("6901234560015")).toMatchObject({ kind: "refused", code: "GATE_MODE" });
    // Pulses are counted when asked for (the line itself changes a moment later): only the two admissions.
    expect(gpio.health().metrics.gatePulses).toBe(2);
    expect(gateOpenings()).toBe(2);
    await waitUntil(() => gpio.history.some((t) => t.role === "redLed" && t.value === 1), "red light on a refusal");

    // Every entry on a known card is a ledger fact, and the hub records it.
    const facts = k.store.entries().map((e) => e.fact);
    expect(facts.map((f) => (f.type === "gate_entry" ? [f.memberId, f.admitted, f.reason ?? null] : f.type))).toEqual([
      ["paid", true, null],
      ["family", true, null],
      ["expired", false, "expired"],
      ["free", false, "not-paid"],
      ["blocked", false, "blocked"],
      ["orphan", false, "expired"],
    ]);
    await allSynced([k]);
    expect(w.hub.ingest.stats.gateEntries).toBe(6);
    expect(w.hub.ingest.memberActivity("family").gate).toEqual([expect.objectContaining({ deviceId: "gate-1", admitted: true, reason: null })]);
    expect(w.hub.ingest.memberActivity("expired").gate).toEqual([expect.objectContaining({ admitted: false, reason: "expired" })]);
  });
});
