// Optional hardware fails soft: a kiosk whose GPIO cannot open or whose printer is missing starts, sells and says so in health; a failing stop step does not skip the rest.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { parseKioskConfig } from "../device/config.js";
import { createHardware } from "../device/hardware.js";
import { buildKiosk } from "../device/compose.js";
import type { Kiosk } from "../device/kiosk.js";
import type { DriverHealth } from "../device/health.js";
import { BARCODES, CHAIN, SyncWorld, allSynced, type TestMember } from "./sync-harness.js";

let w: SyncWorld;
let member: TestMember;

beforeAll(async () => {
  w = new SyncWorld();
  await w.startHub();
  w.publishDemoConfig("s01");
  member = w.addMember("m1", { balanceFen: 100_000 });
}, 60_000);
afterAll(async () => {
  await w?.stop();
});

function driver(health: ReturnType<Kiosk["health"]>, component: string): DriverHealth {
  const d = health.drivers.find((x) => x.component === component);
  if (!d) throw new Error(`no ${component} in health`);
  return d;
}

describe("optional hardware fails soft", () => {
  it("a kiosk whose GPIO driver cannot open (no libgpiod tools) starts, sells a checkout the hub gets, and health says gpio down", async () => {
    const noTools = mkdtempSync(join(w.dir, "no-gpiod-"));
    const kiosk = await w.addKiosk("k-gpio", "s01", { gpio: { driver: "gpiod", gpiodToolsDir: noTools, greenLed: { line: 27 }, redLed: { line: 22 } } });
    await w.ready(kiosk, [member.memberId]);
    const gpio = driver(kiosk.health(), "gpio");
    expect(gpio).toMatchObject({ driver: "gpiod", level: "down", errorCode: "GPIO_TOOL_MISSING" });
    expect(gpio.message).toContain("gpioset");
    const sale = await w.checkout(kiosk, member, [BARCODES.rice, BARCODES.milk]);
    expect(sale.priced.totals.totalFen).toBeGreaterThan(0);
    await allSynced([kiosk]);
    expect(kiosk.store.entries().filter((e) => e.fact.type === "sale")).toHaveLength(1);
    expect(kiosk.health().level).toBe("down");
    expect(w.sink.find((l) => l.msg === "optional device did not start; selling without it" && l.device === "gpio")).toMatchObject({
      code: "GPIO_TOOL_MISSING",
    });
  }, 60_000);

  it("a kiosk whose USB printer is missing starts, sells, and health says printer down with DEVICE_NOT_FOUND after the receipt fails", async () => {
    const kiosk = await w.addKiosk("k-printer", "s01", { printer: { transport: "usblp", device: join(w.dir, "no-such-lp0") } });
    await w.ready(kiosk, [member.memberId]);
    const sale = await w.checkout(kiosk, member, [BARCODES.formula]);
    expect(sale.priced.totals.totalFen).toBeGreaterThan(0);
    await allSynced([kiosk]);
    expect(driver(kiosk.health(), "printer")).toMatchObject({ driver: "usblp", level: "down", errorCode: "DEVICE_NOT_FOUND" });
    // The next customer is served too.
    await w.checkout(kiosk, member, [BARCODES.diapers]);
    expect(kiosk.store.entries().filter((e) => e.fact.type === "sale")).toHaveLength(2);
  }, 60_000);

  it("stop(): a step that throws is logged and the later steps still run (GPIO released, ledger closed)", async () => {
    const dir = join(w.dir, "k-stop");
    mkdirSync(dir, { recursive: true });
    const creds = w.hub.devices.provision({ chainId: CHAIN, storeId: "s01", deviceId: "k-stop" });
    writeFileSync(join(dir, "secret"), creds.password, { mode: 0o600 });
    const config = parseKioskConfig({
      chainId: CHAIN,
      storeId: "s01",
      deviceId: "k-stop",
      dataDir: dir,
      hub: { url: w.hub.brokerUrl, username: "k-stop", passwordFile: join(dir, "secret"), trustedKeys: w.hub.trustedKeys },
      scan: { source: { driver: "simulated" }, decoder: "inline" },
      printer: { transport: "simulated" },
      gpio: { driver: "simulated", greenLed: { line: 27 } },
    });
    const hardware = await createHardware(config, { clock: systemClock, log: w.log });
    const kiosk = await buildKiosk(config, { hardware, clock: systemClock, log: w.log });
    await kiosk.start();
    await w.ready(kiosk, [member.memberId]);
    expect(driver(kiosk.health(), "gpio").level).toBe("ok");
    // The printer hangs on close (a wedged USB driver, say): stop must carry on past it.
    hardware.printer.stop = () => Promise.reject(new Error("usb close hung"));
    await kiosk.stop();
    expect(w.sink.find((l) => l.msg === "kiosk stop: a step failed; stopping the rest")).toMatchObject({ step: "printer", err: "usb close hung" });
    // Steps after the printer ran: the GPIO lines were released and the ledger closed.
    expect(driver(kiosk.health(), "gpio").level).toBe("down");
    expect(kiosk.database).toBeUndefined();
    expect(kiosk.sync.connected).toBe(false);
    expect(w.sink.messages()).toContain("kiosk stopped");
  }, 60_000);
});
