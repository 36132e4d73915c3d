// Driver health reports: the shared schema every driver's report satisfies, and how the kiosk folds them together.
import { describe, expect, it } from "vitest";
import { collectHealth, driverHealthSchema, worstLevel, type DriverHealth } from "./health.js";
import { createMemoryLogger } from "../runtime/testing/memory-logger.js";
import { createGpio } from "./gpio/create-gpio.js";
import { createPrinter } from "./printer/create-printer.js";
import { InlineDecoder } from "./scan/inline-decoder.js";
import { Scanner } from "./scan/scanner.js";
import { createFrameSource } from "./scan/create-source.js";
import { RecordingNotifyTransport } from "./systemd/systemd-notify.js";
import { SystemdService } from "./systemd/watchdog.js";

const clock = { now: () => 1_000 };
const report = (level: DriverHealth["level"]): DriverHealth => ({ component: "x", driver: "y", level, at: 0, metrics: {} });

describe("health reports", () => {
  it("every driver kind reports in the shared schema (for /healthz and the hub status message)", async () => {
    const logger = createMemoryLogger();
    const source = createFrameSource({ driver: "simulated" }, { clock, logger });
    const scanner = new Scanner({ source, decoder: new InlineDecoder(), logger, clock });
    await scanner.start();
    const printer = createPrinter({ transport: "simulated" }, { logger, clock });
    await printer.start();
    const gpio = await createGpio({ driver: "simulated", greenLed: { line: 1 }, staffButton: { line: 2 } }, { logger, clock });
    await gpio.start();
    const systemd = new SystemdService({ transport: new RecordingNotifyTransport(false), logger, clock, env: {}, isHealthy: () => true });
    const reports = [source.health(), scanner.health(), printer.health(), gpio.health(), systemd.health()];
    for (const r of reports) expect(driverHealthSchema.safeParse(r).success).toBe(true);
    expect(reports.map((r) => [r.component, r.level])).toEqual([
      ["camera", "ok"],
      ["scanner", "ok"],
      ["printer", "ok"],
      ["gpio", "ok"],
      ["watchdog", "disabled"],
    ]);
    expect(reports[2]?.metrics).toMatchObject({ paperOut: false, coverOpen: false, statusSupported: true });
    expect(reports[3]?.metrics).toMatchObject({ greenLed: 0, staffButton: 0 });
    await Promise.all([scanner.stop(), printer.stop(), gpio.stop()]);
  });

  it("folds levels: disabled never counts, a throwing reporter is down", () => {
    expect(worstLevel([report("ok"), report("disabled")])).toBe("ok");
    expect(worstLevel([report("ok"), report("degraded")])).toBe("degraded");
    expect(worstLevel([report("degraded"), report("down")])).toBe("down");
    const folded = collectHealth(
      [
        { name: "printer", reporter: { health: () => report("ok") } },
        {
          name: "camera",
          reporter: {
            health: () => {
              throw new Error("boom");
            },
          },
        },
      ],
      clock,
    );
    expect(folded.level).toBe("down");
    expect(folded.drivers[1]).toMatchObject({ component: "camera", level: "down", errorCode: "HEALTH_REPORT_FAILED" });
  });
});
