// The tree's import rules: protocol/ is the contract (no runtime plumbing, no services), device/ and hub/ never import each other.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === "node_modules" || name === "dist" || name === "web") continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** The top-level folder every relative import of `file` lands in. */
function importedFolders(file: string): Array<{ spec: string; folder: string }> {
  const text = readFileSync(join(root, file), "utf8");
  const found: Array<{ spec: string; folder: string }> = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const spec = m[1] ?? "";
    const target = relative(root, resolve(root, dirname(file), spec));
    found.push({ spec, folder: target.split("/")[0] ?? "" });
  }
  return found;
}

function violations(folder: string, forbidden: readonly string[], { tests = true } = {}): string[] {
  return sources(folder)
    .filter((file) => tests || !/\.test\.ts$|testkit|test-kit|\/testing\//.test(file))
    .flatMap((file) =>
      importedFolders(file)
        .filter((i) => forbidden.includes(i.folder))
        .map((i) => `${file} imports ${i.spec}`),
    );
}

describe("import layering", () => {
  it("protocol/ imports nothing from runtime/, storage/, device/ or hub/", () => {
    expect(violations("protocol", ["runtime", "storage", "device", "hub"])).toEqual([]);
  });

  // Their tests may (a hub test checks a PIN with the kiosk's own check); what ships may not.
  it("device/ and hub/ never import each other outside their tests", () => {
    expect(violations("device", ["hub"], { tests: false })).toEqual([]);
    expect(violations("hub", ["device"], { tests: false })).toEqual([]);
  });

  it("runtime/ imports nothing from device/ or hub/", () => {
    expect(violations("runtime", ["device", "hub"])).toEqual([]);
  });

  it("finds a forbidden import when there is one (the check itself works)", () => {
    const imports = importedFolders("device/kiosk.ts").map((i) => i.folder);
    expect(imports).toContain("protocol");
  });
});
