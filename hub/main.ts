// The hub's composition root: reads the config file, starts the service, runs until a signal.
//
//   node dist/hub/main.js --config /etc/member-hub/hub.json
import { parseArgs } from "node:util";
import { systemClock } from "../protocol/clock.js";
import { exitOnSignals, failedToStart } from "../protocol/process-lifecycle.js";
import { pino } from "pino";
import { createLogger } from "../protocol/log.js";
import { ConfigEnvError } from "../protocol/config-env.js";
import { LogLevelCounter } from "./metrics.js";
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
  const counter = new LogLevelCounter();
  const log = createLogger("hub", { level: config.logLevel, destination: counter.wrap(pino.destination({ fd: 1, sync: false })) });
  const hub = new Hub(config, systemClock, log, () => counter.counts);
  try {
    await hub.start();
  } catch (err) {
    // A missing or empty secret file is a configuration problem, not a crash.
    if (err instanceof ConfigEnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  exitOnSignals(log, () => hub.stop());
}

main().catch(failedToStart("hub"));
