// Copies the files tsc does not emit (example configs, the kiosk's pages) into dist/ (or the folder given) after a build; tsc emits the decode worker itself (allowJs).
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2] ?? "dist";
const assets = [
  ["protocol/rules/examples", "protocol/rules/examples"],
  ["device/pages/static", "device/pages/static"],
];
for (const [from, to] of assets) {
  mkdirSync(join(out, to), { recursive: true });
  cpSync(from, join(out, to), { recursive: true });
}
