// What-if CLI: price a cart and/or check a member history against a rules config before HQ pushes it.
// Usage: npx tsx scripts/whatif.ts --config c.json [--cart cart.json] [--history history.json] [--json]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseRulesConfig, type RulesConfig } from "../protocol/rules/config.js";
import { isRulesError, RulesError } from "../protocol/rules/errors.js";
import { formatWhatIf } from "../protocol/rules/whatif-format.js";
import { runWhatIf } from "../protocol/rules/whatif.js";

const USAGE = "usage: npx tsx scripts/whatif.ts --config config.json [--cart cart.json] [--history history.json] [--json]\n";

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new RulesError("RULES_INVALID_INPUT", `cannot read ${path}: ${(e as Error).message}`, what);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new RulesError("RULES_INVALID_INPUT", `${path} is not JSON: ${(e as Error).message}`, what);
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      cart: { type: "string" },
      history: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  }).values;
}

function main(argv: string[]): number {
  let args: ReturnType<typeof parseCli>;
  try {
    args = parseCli(argv);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.config === undefined || (args.cart === undefined && args.history === undefined)) {
    process.stderr.write(`error: --config and at least one of --cart, --history are required\n${USAGE}`);
    return 2;
  }
  try {
    const rawConfig = readJson(args.config, "config");
    let config: RulesConfig;
    try {
      config = parseRulesConfig(rawConfig);
    } catch (e) {
      if (isRulesError(e)) throw new RulesError(e.code, e.message.replace(`${e.field ?? ""}: `, ""), `config${e.field ? `.${e.field}` : ""}`);
      throw e;
    }
    const cart = args.cart === undefined ? undefined : readJson(args.cart, "cart");
    const history = args.history === undefined ? undefined : readJson(args.history, "history");
    const report = runWhatIf(config, cart, history);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatWhatIf(report));
    return 0;
  } catch (e) {
    if (isRulesError(e)) {
      process.stderr.write(`error: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
