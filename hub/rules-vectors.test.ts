// The shared rules vectors run on the hub (HQ re-evaluation) side: same config and input, same output as the other side.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseVectorFile, runVectorCase } from "../protocol/rules/vectors.js";

const dir = new URL("../protocol/rules/vectors/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("rules vectors (hub)", () => {
  it("finds the shared vectors", () => expect(files.length).toBeGreaterThan(0));
  for (const name of files) {
    const { file, config } = parseVectorFile(JSON.parse(readFileSync(new URL(name, dir), "utf8")) as unknown);
    it.each(file.cases.map((c) => [`${name}: ${c.name}`, c] as const))("%s", (_n, c) => {
      expect(runVectorCase(config, c)).toEqual(c.expected);
    });
  }
});
