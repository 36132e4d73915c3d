// The kiosk's entry point: reads the config file and the secret once, builds the graph (device/compose.ts), runs until a signal.
//
//   node dist/device/main.js --config /etc/member-kiosk/kiosk.json
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { systemClock } from "../protocol/clock.js";
import { exitOnSignals, failedToStart } from "../runtime/process-lifecycle.js";
import { pino } from "pino";
import { createLogger } from "../runtime/log.js";
import { ConfigEnvError, readSecretFile, secretFileWarning } from "../runtime/config-env.js";
import { KioskMetrics, LogLevelCounter, kioskMetricsSource, mountKioskMetrics } from "./metrics.js";
import { SystemdNotifyTransport, RecordingNotifyTransport } from "./systemd/systemd-notify.js";
import { SystemdService } from "./systemd/watchdog.js";
import { loadKioskConfig, KioskConfigError, type KioskConfig } from "./config.js";
import { createHardware } from "./hardware.js";
import { buildKiosk, openKioskLedger } from "./compose.js";
import { createKioskApp } from "./http.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: process.env.KIOSK_CONFIG ?? "/etc/member-kiosk/kiosk.json" },
      "http-port": { type: "string" },
      "http-host": { type: "string" },
    },
  });
  let config: KioskConfig;
  try {
    config = loadKioskConfig(values.config);
  } catch (err) {
    if (err instanceof KioskConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  let password: string;
  try {
    // Read once, early: a missing or empty secret fails clearly (the error names the file, never the value).
    password = readSecretFile(config.hub.passwordFile, "device secret");
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
  // The object graph, built here and handed over; kiosk.start() only starts it.
  const hardware = await createHardware(config, { clock: systemClock, log });
  const ledger = await openKioskLedger(config);
  // READY=1 once serving; WATCHDOG=1 at half WatchdogSec while the loop ticks and storage answers.
  const notify =
    config.systemd.notify === "off"
      ? new RecordingNotifyTransport(false)
      : new SystemdNotifyTransport({ binary: config.systemd.binary, timeoutMs: config.systemd.timeoutMs, logger: log });
  const systemd = new SystemdService({
    transport: notify,
    logger: log,
    clock: systemClock,
    isHealthy: () => ledger.store.lastSeq() >= 0,
    ...(config.systemd.maxLoopStallMs ? { maxLoopStallMs: config.systemd.maxLoopStallMs } : {}),
  });
  const kiosk = await buildKiosk(config, {
    hardware,
    clock: systemClock,
    log,
    password,
    ledger,
    reporters: [{ name: "watchdog", reporter: systemd }],
    // A remote "restart the service": the same clean stop as SIGTERM; systemd (Restart=always) starts it again.
    restart: () => process.kill(process.pid, "SIGTERM"),
  });
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
