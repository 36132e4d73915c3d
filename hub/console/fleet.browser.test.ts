// The fleet screen in real Chromium against a real hub (embedded MQTT broker, SQLite) and two real kiosks on simulated drivers: both listed with their status, "open the gate" sent to one reaches its gate relay and the outcome is shown; a new kiosk's one-time token and Pi command; screenshots in test-artifacts/console.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GpioIndicator } from "../../device/gpio/indicator.js";
import type { Kiosk } from "../../device/kiosk.js";
import { SyncWorld } from "../../test/sync-harness.js";
import { demoConsole, waitUntil } from "../../scripts/demo-env.js";
import { launchChromium, newPage, requireChromium, shot } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

let w: SyncWorld;
let browser: Browser;
let k1: Kiosk;

/** The simulated GPIO behind a kiosk's indicator (the gate relay is a real code path on it). */
const gpioOf = (k: Kiosk) => (k as unknown as { hardware: { indicator: GpioIndicator } }).hardware.indicator.gpio;

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = new SyncWorld();
  await w.startHub();
  w.publishDemoConfig("s01");
  k1 = await w.addKiosk("k1", "s01", { gpio: { driver: "simulated", gate: { line: 17 } } });
  const k2 = await w.addKiosk("k2", "s01");
  await w.ready(k1);
  await w.ready(k2);
  await waitUntil(() => ["k1", "k2"].every((d) => w.hub.devices.get(d)?.lastSeenAt !== null), "hub to see both kiosks");
  await build;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe("fleet screen in Chromium", () => {
  it("lists two kiosks with their status, sends 'open the gate' to k1, its gate relay opens and the outcome is shown", async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 1440, height: 1000 } });
    await page.goto(demoConsole(w.hub).signInLink);
    await page.getByTestId("whoami").waitFor();
    await page.getByTestId("menu-fleet").click();
    await page.getByTestId("fleet-page").waitFor();
    await expect.poll(() => page.getByTestId("presence-k1").getAttribute("data-presence"), { timeout: 10_000 }).toBe("online");
    expect(await page.getByTestId("presence-k2").getAttribute("data-presence")).toBe("online");
    expect(await page.getByTestId("presence-k1").textContent()).toBe("在线");
    expect(await page.getByTestId("config-k1").textContent()).toBe("v1 / v1");
    expect(await page.getByTestId("count-total").locator(".ant-statistic-content").textContent()).toBe("2");
    expect(await page.getByTestId("kiosk-row-k1").textContent()).toContain("0.1.0");
    expect(await page.getByTestId("hw-k1-printer").count()).toBe(1);
    await shot(page, "fleet-list", true);

    const gpio = gpioOf(k1);
    const pulses = () => gpio.history.filter((t) => t.role === "gate" && t.value === 1).length;
    expect(pulses()).toBe(0);
    await page.getByTestId("command-k1").click();
    await page.getByTestId("command-description").waitFor();
    expect(await page.getByTestId("command-description").textContent()).toContain("闸机继电器将打开一次");
    await shot(page, "fleet-command");
    await page.getByTestId("command-send").click();
    const outcome = page.getByTestId("command-outcome");
    await expect.poll(() => outcome.getAttribute("data-status"), { timeout: 15_000 }).toBe("ok");
    expect(await outcome.textContent()).toContain("成功");
    expect(await outcome.textContent()).toContain("gate relay pulsed");
    // The kiosk's own gate driver moved: one pulse, up and down again.
    await waitUntil(() => gpio.history.filter((t) => t.role === "gate").length >= 2, "the relay to drop again");
    expect(pulses()).toBe(1);
    expect(gpio.history.filter((t) => t.role === "gate").map((t) => t.value)).toEqual([1, 0]);
    expect(gpioOf(w.kiosk("k2")).history.filter((t) => t.role === "gate")).toEqual([]);
    // A second click on the same dialog sends nothing more.
    expect(await page.getByTestId("command-send").isDisabled()).toBe(true);
    await shot(page, "fleet-gate-opened");
    await page.getByTestId("command-close").click();
    await expect.poll(() => page.getByTestId("last-command-k1").getAttribute("data-status"), { timeout: 10_000 }).toBe("ok");
    expect(await page.getByTestId("command-history").textContent()).toContain("开闸一次");
    const rows = w.hub.backoffice.fleet.commands.list({ storeId: "s01", limit: 10 });
    expect(rows.map((r) => [r.deviceId, r.type, r.status, r.actor])).toEqual([["k1", "open-gate", "ok", "demo-admin"]]);

    // English, switchable.
    await page.getByTestId("lang-switch").click();
    expect(await page.getByTestId("presence-k1").textContent()).toBe("online");

    // A new kiosk: a one-time token and the line to run on the Pi; the token is real and single use.
    await page.getByTestId("provision-open").click();
    await page.getByTestId("provision-device").fill("k3");
    await page.getByTestId("provision-make").click();
    const command = (await page.getByTestId("provision-command").textContent()) ?? "";
    expect(command).toMatch(/^sudo kioskctl provision --hub http:\/\/127\.0\.0\.1:\d+ --token mkp_[A-Za-z0-9_-]+/);
    await shot(page, "fleet-provision");
    const token = /--token (mkp_[A-Za-z0-9_-]+)/.exec(command)![1]!;
    expect(w.hub.provisioning.redeem(token)).toMatchObject({ storeId: "s01", deviceId: "k3" });
    expect(() => w.hub.provisioning.redeem(token)).toThrow(/invalid, used or expired/);
    await ctx.close();
  }, 120_000);
});
