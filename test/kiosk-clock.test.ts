// A kiosk restarted with its clock 2 h behind and no NTP: health says unsynchronised with the reason, and a member code refused for its time gets the clock message, until the hub's time corrects it.
import { describe, it, expect, afterEach } from "vitest";
import type { Hono } from "hono";
import type { Clock } from "../protocol/clock.js";
import type { Kiosk } from "../device/kiosk.js";
import type { KioskConfigInput } from "../device/config.js";
import { createKioskApp } from "../device/http.js";
import { SimulatedClockSync } from "../device/clock-sync/index.js";
import { startKiosk, waitUntil } from "../scripts/demo-env.js";
import { SyncWorld } from "./sync-harness.js";
import { freePort } from "./mosquitto.js";
import { BARCODE, sessionRules } from "./session-world.js";

let w: SyncWorld;
const extra: Kiosk[] = [];
afterEach(async () => {
  for (const k of extra.splice(0)) await k.stop().catch(() => undefined);
  await w.stop();
});

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const CLOCK_WORDS = "本机时间未校准，请呼叫店员 / This kiosk's clock is not set: please call staff";
/** The Pi's clock after a restart without a real-time clock: two hours behind. */
const behind: Clock = { now: () => Date.now() - 2 * 3600_000 };

async function healthz(app: Hono): Promise<Record<string, unknown>> {
  return (await (await app.request("/healthz")).json()) as Record<string, unknown>;
}

describe("kiosk clock", () => {
  it("says unsynchronised and shows the clock message for a code refused for its time; after the hub's time arrives the same member is served", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: sessionRules(), device: {} });
    const m = w.addMember("m1");
    const first = await w.addKiosk("k1", "s01");
    await w.ready(first, ["m1"]);
    const config = w.kioskConfigs.get("k1")!;
    await first.stop();
    w.kiosks.delete("k1");

    // Restarted 2 h behind, NTP not synchronised, and the broker out of reach (as behind a "not yet valid" certificate).
    const unreachable: KioskConfigInput = {
      ...config,
      hub: { ...config.hub, url: `mqtt://127.0.0.1:${await freePort()}` },
      clock: { driver: "simulated", synchronised: false },
    };
    const { kiosk } = await startKiosk(unreachable, behind, w.log);
    extra.push(kiosk);
    const app = createKioskApp(kiosk);
    expect(await healthz(app)).toMatchObject({ level: "degraded", clock: "unsynchronised", clockReason: expect.stringContaining("no time from the hub") });
    // The member's phone has the right time: to this kiosk the code is from the future.
    const code = w.memberCode(m, first);
    const res = await app.request("/session/scan", json({ text: code }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: "refused", code: "CLOCK_UNSYNCHRONISED", reason: "CODE_FROM_FUTURE", message: CLOCK_WORDS });
    expect(((await (await app.request("/session/view")).json()) as { notice?: unknown }).notice).toMatchObject({
      code: "CLOCK_UNSYNCHRONISED",
      text: CLOCK_WORDS,
    });
    // A code refused for another reason keeps its own refusal.
    expect(await (await app.request("/session/scan", json({ text: "MC1.not-a-code" }))).json()).toMatchObject({
      kind: "refused",
      code: "CODE_INVALID",
      reason: "CODE_MALFORMED",
    });
    // NTP synchronised but the clock still wrong (an operator's problem, not the customer's): the code refusal is honest again.
    const src = kiosk.clockStatus.source;
    if (!(src instanceof SimulatedClockSync)) throw new Error("expected the simulated clock-sync source");
    src.set(true);
    await kiosk.clockStatus.poll();
    expect(await healthz(app)).toMatchObject({ clock: "synchronised" });
    expect(await (await app.request("/session/scan", json({ text: w.memberCode(m, first) }))).json()).toMatchObject({
      kind: "refused",
      code: "CODE_INVALID",
      reason: "CODE_FROM_FUTURE",
    });
    await kiosk.stop();
    extra.splice(0);

    // Restarted 2 h behind with the hub reachable: the first ack carries the hub's time; the clock is hub-corrected and the code works.
    const { kiosk: again } = await startKiosk({ ...config, clock: { driver: "simulated", synchronised: false } }, behind, w.log);
    extra.push(again);
    const app2 = createKioskApp(again);
    await waitUntil(() => again.clock.learned, "offset learned from the hub", 20_000);
    expect(await healthz(app2)).toMatchObject({ level: "ok", clock: "hub-corrected" });
    expect(await (await app2.request("/session/scan", json({ text: w.memberCode(m, again) }))).json()).toMatchObject({ kind: "member", memberId: "m1" });
    expect(await (await app2.request("/session/scan", json({ text: BARCODE.rice }))).json()).toMatchObject({ kind: "product" });
  });
});
