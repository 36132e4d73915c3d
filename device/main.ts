// The kiosk's composition root: reads the config file, builds the hardware and the service, runs until a signal.
//
//   node dist/device/main.js --config /etc/member-kiosk/kiosk.json
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { systemClock } from "../protocol/clock.js";
import { exitOnSignals, failedToStart } from "../protocol/process-lifecycle.js";
import { pino } from "pino";
import { createLogger } from "../protocol/log.js";
import { ConfigEnvError, readSecretFile, secretFileWarning } from "../protocol/config-env.js";
import { KioskMetrics, LogLevelCounter, kioskMetricsSource, mountKioskMetrics } from "./metrics.js";
import { SystemdNotifyTransport, RecordingNotifyTransport } from "./systemd/systemd-notify.js";
import { SystemdService } from "./systemd/watchdog.js";
import { loadKioskConfig, KioskConfigError } from "./config.js";
import { createHardware } from "./hardware.js";
import { Kiosk } from "./kiosk.js";
import { createKioskApp } from "./http.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: process.env.KIOSK_CONFIG ?? "/etc/member-kiosk/kiosk.json" },
      "http-port": { type: "string" },
      "http-host": { type: "string" },
    },
  });
  let config;
  try {
    config = loadKioskConfig(values.config);
  } catch (err) {
    if (err instanceof KioskConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  try {
    // Fail early and clearly on a missing or empty secret (the error names the file, never the value).
    readSecretFile(config.hub.passwordFile, "device secret");
  } catch (err) {
    if (err instanceof ConfigEnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const counter = new LogLevelCounter();
  const log = createLogger("kiosk", { level: config.logLevel, destination: counter.wrap(pino.destination({ fd: 1, sync: false })) });
  const secretWarning = secretFileWarning(config.hub.passwordFile);
  if (secretWarning) log.warn(secretWarning);
  const hardware = await createHardware(config, { clock: systemClock, log });
  const kiosk = new Kiosk(config, hardware, systemClock, log);
  // READY=1 once serving; WATCHDOG=1 at half WatchdogSec while the loop ticks and storage answers.
  const notify =
    config.systemd.notify === "off"
      ? new RecordingNotifyTransport(false)
      : new SystemdNotifyTransport({ binary: config.systemd.binary, timeoutMs: config.systemd.timeoutMs, logger: log });
  const systemd = new SystemdService({
    transport: notify,
    logger: log,
    clock: systemClock,
    isHealthy: () => kiosk.store.lastSeq() >= 0,
    ...(config.systemd.maxLoopStallMs ? { maxLoopStallMs: config.systemd.maxLoopStallMs } : {}),
  });
  hardware.reporters.push({ name: "watchdog", reporter: systemd });
  await kiosk.start();
  const metrics = new KioskMetrics(kioskMetricsSource(kiosk, () => counter.counts));
  const host = values["http-host"] ?? process.env.KIOSK_HTTP_HOST ?? "127.0.0.1";
  const port = Number(values["http-port"] ?? process.env.KIOSK_HTTP_PORT ?? 8081);
  const server = serve({ fetch: createKioskApp(kiosk, [mountKioskMetrics(metrics)]).fetch, hostname: host, port }, (info) => {
    log.info({ url: `http://${host}:${info.port}` }, "kiosk HTTP API listening");
    process.stdout.write(`KIOSK_HTTP_PORT=${info.port}\n`);
    void systemd.ready("serving");
  });
  exitOnSignals(log, async () => {
    server.close();
    metrics.stop();
    await systemd.stopping();
    await kiosk.stop();
  });
}

main().catch(failedToStart("kiosk"));
