// The console's contract with the hub: the generated client is current with the OpenAPI document, every route the console calls is in it, and /console serves the build (types, caching, SPA fallback, 503 when not built).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { buildHubOpenApi, generateSchema, REPO, SCHEMA_FILE } from "./api-schema.js";
import { mountConsole } from "./serve.js";

const WEB_SRC = join(REPO, "hub/console/web/src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(n) && !n.endsWith(".d.ts") ? [p] : [];
  });
}

/** Every `api.METHOD("/path"` call in the console's code. */
function consoleCalls(): Array<{ method: string; path: string; file: string }> {
  const out: Array<{ method: string; path: string; file: string }> = [];
  for (const file of sources(WEB_SRC)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\bapi\.(GET|POST|PUT|PATCH|DELETE)\(\s*"([^"]+)"/g))
      out.push({ method: m[1]!.toLowerCase(), path: m[2]!, file: file.slice(REPO.length) });
  }
  return out;
}

describe("the console's API client", () => {
  it("the committed schema.d.ts is what openapi-typescript makes of the hub's current document (run `npm run gen:console-api` when this fails)", async () => {
    const fresh = await generateSchema();
    expect(readFileSync(SCHEMA_FILE, "utf8") === fresh, "hub/console/web/src/api/schema.d.ts is stale: run `npm run gen:console-api`").toBe(true);
  }, 60_000);

  it("every route the console calls is in the OpenAPI document, with a typed answer", async () => {
    const doc = (await buildHubOpenApi()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { type?: string; properties?: unknown } }> }> }>>;
    };
    const calls = consoleCalls();
    expect(calls.length).toBeGreaterThan(25);
    const missing = calls.filter((c) => !doc.paths[c.path]?.[c.method]);
    expect(missing, `routes the console calls but the document lacks: ${JSON.stringify(missing)}`).toEqual([]);
    const untyped = calls.filter((c) => {
      const ok = Object.entries(doc.paths[c.path]![c.method]!.responses).find(([s]) => s.startsWith("2"))?.[1];
      const schema = ok?.content?.["application/json"]?.schema;
      return !schema || schema.properties === undefined;
    });
    expect(untyped, `routes the console reads without a response schema (hub/backoffice/responses.ts): ${JSON.stringify(untyped)}`).toEqual([]);
  }, 60_000);

  it("the check itself finds a call to a route that does not exist", () => {
    const dir = mkdtempSync(join(WEB_SRC, "zz-probe-"));
    try {
      writeFileSync(join(dir, "probe.ts"), 'void api.GET("/bo/no-such-route");\n');
      expect(consoleCalls().some((c) => c.path === "/bo/no-such-route")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("serving /console", () => {
  const app = (dir: string) => {
    const a = new Hono();
    mountConsole(dir)(a);
    return a;
  };

  it("answers 503 with words in both languages when the console was not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "console-empty-"));
    try {
      const r = await app(empty).request("/console/");
      expect(r.status).toBe(503);
      expect(await r.text()).toContain("npm run build:console");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("serves files with their types and cache rules, falls back to index.html for screens, 404s missing assets, refuses traversal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "console-built-"));
    try {
      mkdirSync(join(dir, "assets"));
      writeFileSync(join(dir, "index.html"), "<!doctype html><title>c</title>");
      writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
      writeFileSync(join(tmpdir(), "console-secret.txt"), "secret");
      const a = app(dir);
      const js = await a.request("/console/assets/index-abc123.js");
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(js.headers.get("cache-control")).toContain("immutable");
      const index = await a.request("/console/");
      expect(index.headers.get("content-type")).toContain("text/html");
      expect(index.headers.get("cache-control")).toBe("no-cache");
      expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await (await a.request("/console/members/M1")).text()).toContain("<title>c</title>");
      expect((await a.request("/console/assets/old-bundle.js")).status).toBe(404);
      expect((await a.request("/console")).status).toBe(301);
      const trav = await a.request("/console/%2e%2e/console-secret.txt");
      expect(await trav.text()).not.toContain("secret");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(tmpdir(), "console-secret.txt"), { force: true });
    }
  });
});

describe("scanner capture", () => {
  it("a member code typed at scanner speed is a scan, the same at typing speed is not; short fast bursts are not", async () => {
    const { scanIn } = await import("./web/src/shared/scan-detect.js");
    const keys = (text: string, gap: number, from = 0) => [...text].map((ch, i) => ({ ch, at: from + i * gap, target: null }));
    const code = "MC1.M00000001.1718416800.6aQbx4n2v5Y0c8pZt7qW1eR3uI9oPaS2dF4gH6jK8lZ";
    expect(scanIn([...keys("lost phone", 150), ...keys(code, 4, 5000)])?.text).toBe(code);
    expect(scanIn(keys(code, 250))).toBeUndefined();
    expect(scanIn(keys("1380013", 5))).toBeUndefined();
    expect(scanIn([...keys("abc", 200), ...keys("6901234560015", 5, 1000)])?.text).toBe("6901234560015");
  });
});
