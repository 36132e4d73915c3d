// The hub's entry point: reads the config file, builds the graph (hub/compose.ts), starts it, runs until a signal.
//
//   node dist/hub/main.js --config /etc/member-hub/hub.json
import { parseArgs } from "node:util";
import { systemClock } from "../protocol/clock.js";
import { exitOnSignals, failedToStart } from "../runtime/process-lifecycle.js";
import { pino } from "pino";
import { createLogger } from "../runtime/log.js";
import { ConfigEnvError } from "../runtime/config-env.js";
import { LogLevelCounter } from "./metrics.js";
import { loadHubConfig, ConfigFileError, type HubConfig } from "./config.js";
import type { Hub } from "./hub.js";
import { buildHub } from "./compose.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: "string", default: process.env.HUB_CONFIG } } });
  let config: HubConfig;
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
  let hub: Hub;
  try {
    // The object graph (hub/compose.ts) reads each secret file once; hub.start() only starts it.
    hub = await buildHub(config, { clock: systemClock, log, logCounts: () => counter.counts });
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
