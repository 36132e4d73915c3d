// Test support only (not exported from index.ts): example configs and time helpers shared by the rules tests.
import { readFileSync } from "node:fs";
import { parseRulesConfig, type RulesConfig, type RulesConfigInput } from "./config.js";
import { parseInstant } from "./time.js";

export function readExample(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./examples/${name}`, import.meta.url), "utf8"));
}

/** The full example config (examples/full-config.json), parsed. */
export function fullConfig(patch?: (c: RulesConfigInput) => void): RulesConfig {
  const raw = readExample("full-config.json") as RulesConfigInput;
  patch?.(raw);
  return parseRulesConfig(raw);
}

/** Epoch ms of a store-local time in China (+08:00): at("2024-05-01") or at("2024-05-01T10:00"). */
export function at(local: string): number {
  return parseInstant(local.length === 10 ? local : `${local}:00+08:00`, 480);
}
