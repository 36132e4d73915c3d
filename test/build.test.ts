// The production build (tsconfig.build.json + scripts/copy-assets.mjs): no tests, test kits or testing/ helpers in it, and the decode worker runs from it under Node and Bun.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBarcodePng } from "../device/scan/testing/barcode-images.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("..", import.meta.url));
// Inside the checkout, so the build finds node_modules the way an installed bundle does.
const out = join(repo, "test-artifacts", `build-${process.pid}`);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [relative(out, p)];
  });
}

beforeAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await run(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out], {
    cwd: repo,
    maxBuffer: 1 << 24,
  }).catch((err: { stdout?: string }) => {
    throw new Error(`the build failed: ${err.stdout ?? String(err)}`);
  });
  await run(process.execPath, ["scripts/copy-assets.mjs", out], { cwd: repo });
}, 240_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A small program file that decodes a PNG with the built WorkerDecoder (a real worker thread on dist's decode-worker.mjs). */
async function decodeProgram(): Promise<string> {
  const file = join(out, "decode-check.mjs");
  writeFileSync(file, await decodeSource());
  return file;
}

async function decodeSource(): Promise<string> {
  const png = Buffer.from(await renderBarcodePng("96385074", "EAN8")).toString("base64");
  const worker = join(out, "device/scan/worker-decoder.js");
  return `
    const { WorkerDecoder } = await import(${JSON.stringify(worker)});
    const logger = { info() {}, warn() {}, error() {}, debug() {}, child() { return logger; } };
    const d = new WorkerDecoder({ logger });
    await d.start();
    const r = await d.decode({ kind: "image", bytes: new Uint8Array(Buffer.from(${JSON.stringify(png)}, "base64")), seq: 1, at: 0 }, "fast");
    await d.stop();
    console.log(JSON.stringify(r.symbols.map((s) => s.text)));`;
}

describe("the build (dist/)", () => {
  it("holds no tests, test kits, testing/ helpers or the dev-only demo", () => {
    const all = files(out).filter((f) => f !== "decode-check.mjs");
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((f) => /\.test\.|\.testkit\.|(^|\/)test-kit\.|(^|\/)testing\//.test(f))).toEqual([]);
    expect(all.filter((f) => /^(test|bench)\/|^scripts\/(start|demo-env)\./.test(f))).toEqual([]);
    // What the kiosk and hub services run, and the files copied beside them.
    for (const f of [
      "device/main.js",
      "device/cli.js",
      "hub/main.js",
      "hub/cli.js",
      "device/scan/decode-worker.mjs",
      "device/pages/static",
      "protocol/rules/examples",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });

  it("decodes with the built worker thread under Node", async () => {
    const { stdout } = await run(process.execPath, [await decodeProgram()], { cwd: repo, timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual(["96385074"]);
  }, 60_000);

  it("decodes with the built worker thread under Bun", async () => {
    const bun = join(repo, "node_modules/.bin/bun");
    const { stdout } = await run(bun, [await decodeProgram()], { cwd: repo, timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual(["96385074"]);
  }, 60_000);
});
