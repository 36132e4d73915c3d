// The hub's composition root: reads the config file, starts the service, runs until a signal.
//
//   node dist/hub/main.js --config /etc/member-hub/hub.json
import { parseArgs } from "node:util";
import { systemClock } from "../protocol/clock.js";
import { createLogger } from "../protocol/log.js";
import { loadHubConfig, ConfigFileError } from "./config.js";
import { Hub } from "./hub.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: "string", default: process.env.HUB_CONFIG } } });
  let config;
  try {
    config = loadHubConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigFileError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger("hub", { level: config.logLevel });
  const hub = new Hub(config, systemClock, log);
  await hub.start();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    void hub.stop().then(
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
  process.stderr.write(`hub failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
