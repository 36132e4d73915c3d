// The kiosk's composition root: reads the config file, builds the hardware and the service, runs until a signal.
//
//   node dist/device/main.js --config /etc/member-kiosk/kiosk.json
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { systemClock } from "../protocol/clock.js";
import { createLogger } from "../protocol/log.js";
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
  const log = createLogger("kiosk", { level: config.logLevel });
  const hardware = await createHardware(config, { clock: systemClock, log });
  const kiosk = new Kiosk(config, hardware, systemClock, log);
  await kiosk.start();
  const host = values["http-host"] ?? process.env.KIOSK_HTTP_HOST ?? "127.0.0.1";
  const port = Number(values["http-port"] ?? process.env.KIOSK_HTTP_PORT ?? 8081);
  const server = serve({ fetch: createKioskApp(kiosk).fetch, hostname: host, port }, (info) => {
    log.info({ url: `http://${host}:${info.port}` }, "kiosk HTTP API listening");
    process.stdout.write(`KIOSK_HTTP_PORT=${info.port}\n`);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    server.close();
    void kiosk.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`kiosk failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
