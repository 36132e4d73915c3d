// Copies the files tsc does not emit (the plain-JS decode worker, example configs, the kiosk's pages) into dist/ after a build.
import { cpSync, mkdirSync } from "node:fs";

const assets = [
  ["device/scan/decode-worker.mjs", "dist/device/scan/decode-worker.mjs"],
  ["protocol/rules/examples", "dist/protocol/rules/examples"],
  ["device/pages/static", "dist/device/pages/static"],
];
for (const [from, to] of assets) {
  mkdirSync(to.endsWith(".mjs") ? to.slice(0, to.lastIndexOf("/")) : to, { recursive: true });
  cpSync(from, to, { recursive: true });
}
