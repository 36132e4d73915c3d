// Remote kiosk commands over the real embedded broker: a command reaches the kiosk's gate driver and its answer is recorded; an unknown type is refused; one to an offline kiosk expires (and one still alive is delivered when it comes back); a kiosk cannot command another kiosk or answer for it.
import { readFileSync } from "node:fs";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { deviceTopic } from "../protocol/topics.js";
import { signEnvelope } from "../protocol/signing.js";
import type { GpioIndicator } from "../device/gpio/indicator.js";
import type { CommandRow } from "../hub/fleet.js";
import { SyncWorld, CHAIN } from "./sync-harness.js";
import { waitUntil } from "../scripts/demo-env.js";

const HQ = { id: "hq-test", role: "hq-admin" };
let w: SyncWorld;
afterEach(async () => {
  await w.stop();
});

const settled = async (id: string, timeoutMs = 15_000): Promise<CommandRow> => {
  const fleet = w.hub.backoffice.fleet.commands;
  await waitUntil(
    () => {
      fleet.expireDue();
      return fleet.get(id)?.status !== "sent";
    },
    `command ${id} answered or expired`,
    timeoutMs,
  );
  return fleet.get(id)!;
};

describe("remote kiosk commands over MQTT", () => {
  it("opens k1's gate through its relay and records the answer; refuses an unknown type with an answer", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01");
    const k1 = await w.addKiosk("k1", "s01", { gpio: { driver: "simulated", gate: { line: 17 } } });
    const k2 = await w.addKiosk("k2", "s01");
    await w.ready(k1);
    await w.ready(k2);
    await waitUntil(() => w.hub.devices.get("k1")?.lastSeenAt !== null, "hub to see k1's status");
    const gpio = (w.kiosk("k1") as unknown as { hardware: { indicator: GpioIndicator } }).hardware.indicator.gpio;
    const pulses = () => gpio.history.filter((t) => t.role === "gate" && t.value === 1).length;
    expect(pulses()).toBe(0);

    const fleet = w.hub.backoffice.fleet.commands;
    const sent = fleet.send({ deviceId: "k1", type: "open-gate", args: { pulseMs: 200 }, actor: HQ });
    expect(sent).toMatchObject({ status: "sent", kioskOnline: true, storeId: "s01" });
    const done = await settled(sent.commandId);
    expect(done).toMatchObject({ status: "ok", code: "OK", message: "gate relay pulsed 200 ms" });
    expect(pulses()).toBe(1);
    expect(gpio.history.filter((t) => t.role === "gate").map((t) => t.value)).toEqual([1, 0]);
    // Audited: who sent what.
    expect(w.hub.backoffice.deps.audit.list({ action: "kiosk.command", limit: 5 })[0]).toMatchObject({ actor: "hq-test", entityId: "k1" });

    // k2 has no gate relay: it says so, and nothing moves on k1.
    expect(await settled(fleet.send({ deviceId: "k2", type: "open-gate", actor: HQ }).commandId)).toMatchObject({
      status: "failed",
      code: "GATE_NOT_CONFIGURED",
    });
    // A type the kiosk does not know (a newer hub): refused, in words.
    expect(await settled(fleet.send({ deviceId: "k1", type: "format-disk", actor: HQ }).commandId)).toMatchObject({
      status: "refused",
      code: "UNKNOWN_COMMAND",
    });
    expect(await settled(fleet.send({ deviceId: "k1", type: "resync-members", actor: HQ }).commandId)).toMatchObject({ status: "ok" });
    expect(pulses()).toBe(1);
    // Rate limit per kiosk: 6 a minute (3 sent to k1 so far).
    for (let i = 0; i < 3; i++) fleet.send({ deviceId: "k1", type: "resync-members", actor: HQ });
    expect(() => fleet.send({ deviceId: "k1", type: "resync-members", actor: HQ })).toThrow(/commands this minute/);
  }, 60_000);

  it("a command to an offline kiosk shows as expired; one still alive is delivered when the kiosk comes back", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01");
    const k2 = await w.addKiosk("k2", "s01");
    await w.ready(k2);
    await k2.stop();
    w.kiosks.delete("k2");
    await waitUntil(() => (w.hub.devices.get("k2")?.lastStatus as { online?: boolean } | null)?.online === false, "hub to see k2 offline");
    const fleet = w.hub.backoffice.fleet.commands;
    const lost = fleet.send({ deviceId: "k2", type: "resync-members", ttlMs: 5_000, actor: HQ });
    expect(lost.kioskOnline).toBe(false);
    const expired = await settled(lost.commandId, 20_000);
    expect(expired).toMatchObject({ status: "expired", code: "OFFLINE", answeredAt: null });
    // The offline kiosk keeps the figures of its last status for the fleet view.
    expect(w.hub.devices.get("k2")?.lastStatus).toMatchObject({ online: false, configVersion: 1 });

    const later = fleet.send({ deviceId: "k2", type: "resync-members", ttlMs: 60_000, actor: HQ });
    await w.startKiosk("k2");
    expect(await settled(later.commandId)).toMatchObject({ status: "ok", code: "OK" });
    expect(fleet.get(lost.commandId)?.status).toBe("expired");
  }, 60_000);

  it("a kiosk cannot publish a command to another kiosk, nor answer for another kiosk's command", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01");
    const k1 = await w.addKiosk("k1", "s01", { gpio: { driver: "simulated", gate: { line: 17 } } });
    await w.addKiosk("k2", "s01");
    await w.ready(k1);
    const received = () => k1.commands?.stats.received ?? 0;
    const k2cfg = w.kioskConfigs.get("k2")!;
    const intruder = await mqtt.connectAsync(w.hub.brokerUrl, {
      clientId: "kiosk-k2/intruder-test",
      username: "k2",
      password: readFileSync(k2cfg.hub.passwordFile, "utf8"),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    // A command signed with a key of its own, on k1's commands topic: the broker refuses the publish.
    const a1 = { chainId: CHAIN, storeId: "s01", deviceId: "k1" };
    const { generateKeyPair } = await import("../protocol/signing.js");
    const forged = signEnvelope(generateKeyPair(), Object.keys(w.hub.trustedKeys)[0]!, {
      commandId: "forged-1",
      type: "open-gate",
      args: {},
      ...a1,
      issuedAt: Date.now(),
      expiresAt: Date.now() + 30_000,
    });
    void intruder.publishAsync(deviceTopic(a1, "commands"), JSON.stringify(forged), { qos: 1 }).catch(() => undefined);
    await waitUntil(() => w.sink.messages().includes("broker: publish refused"), "broker to refuse the publish");
    await intruder.endAsync(true);

    // An answer on k2's own result topic for k1's command changes nothing.
    const fleet = w.hub.backoffice.fleet.commands;
    const cmd = fleet.send({ deviceId: "k1", type: "resync-members", actor: HQ });
    const honest = await settled(cmd.commandId);
    const liar = await mqtt.connectAsync(w.hub.brokerUrl, {
      clientId: "kiosk-k2/liar-test",
      username: "k2",
      password: readFileSync(k2cfg.hub.passwordFile, "utf8"),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const before = fleet.stats.unknownAnswers;
    await liar.publishAsync(
      deviceTopic({ ...a1, deviceId: "k2" }, "commands/result"),
      JSON.stringify({ commandId: cmd.commandId, outcome: "failed", code: "FAILED", message: "lie", at: Date.now() }),
      { qos: 1 },
    );
    await waitUntil(() => fleet.stats.unknownAnswers > before, "hub to ignore the answer");
    await liar.endAsync();
    expect(fleet.get(cmd.commandId)).toEqual(honest);
    // k1 only ever saw the hub's own command.
    expect(received()).toBe(1);
    const gpio = (k1 as unknown as { hardware: { indicator: GpioIndicator } }).hardware.indicator.gpio;
    expect(gpio.history.filter((t) => t.role === "gate")).toEqual([]);
  }, 60_000);
});
