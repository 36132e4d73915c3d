// Runs the shared vectors in protocol/rules/vectors; UPDATE_VECTORS=1 rewrites their expected outputs.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseVectorFile, runVectorCase } from "./vectors.js";

const dir = new URL("./vectors/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();
const update = process.env["UPDATE_VECTORS"] === "1";

describe("shared rules vectors", () => {
  it("has vector files", () => expect(files.length).toBeGreaterThan(0));
  for (const name of files) {
    const raw = JSON.parse(readFileSync(new URL(name, dir), "utf8")) as unknown;
    const { file, config } = parseVectorFile(raw);
    if (update) {
      it(`${name}: rewrite expected`, () => {
        for (const c of file.cases) c.expected = runVectorCase(config, c);
        writeFileSync(new URL(name, dir), `${JSON.stringify(file, null, 1)}\n`);
      });
      continue;
    }
    describe(name, () => {
      it.each(file.cases.map((c) => [c.name, c] as const))("%s", (_n, c) => {
        expect(c.expected).not.toBeNull();
        expect(runVectorCase(config, c)).toEqual(c.expected);
      });
    });
  }
});
