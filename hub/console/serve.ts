// Serves the built web console (dist/console) under /console: content types, cache headers, SPA fallback, and a 503 page when it was not built.
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";

export const CONSOLE_PREFIX = "/console";
/** Where `npm run build:console` puts the console: dist/console (found from hub/console/ under tsx and from dist/hub/console/ when built). */
const CANDIDATES = [new URL("../../dist/console/", import.meta.url), new URL("../../console/", import.meta.url)].map((u) => fileURLToPath(u));
/** The first candidate that holds a build (looked up per request, so a build made while the hub runs is found). */
export function defaultConsoleDir(): string {
  return CANDIDATES.find((p) => existsSync(join(p, "index.html"))) ?? CANDIDATES[0]!;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** Ant Design writes its styles at run time (CSS-in-JS), hence style-src 'unsafe-inline'; scripts only from the hub. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>控制台未构建 / Console not built</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.6">
<h1>控制台尚未构建</h1><p>请在项目目录运行 <code>npm run build:console</code>（或 <code>npm run build</code>），然后刷新本页。</p>
<h2>The console has not been built</h2><p>Run <code>npm run build:console</code> (or <code>npm run build</code>) in the project folder, then reload this page. The hub's API (<code>/bo</code>, <code>/openapi.json</code>) works without it.</p>
</body></html>`;

async function fileAt(dir: string, rel: string): Promise<Buffer | undefined> {
  if (rel.includes("\0")) return undefined;
  const path = normalize(join(dir, rel));
  if (!path.startsWith(normalize(dir + sep))) return undefined;
  try {
    const s = await stat(path);
    if (!s.isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function send(c: Context, body: Buffer | string, type: string, cache: string, status: 200 | 404 | 503 = 200): Response {
  const headers: Record<string, string> = { "content-type": type, "cache-control": cache, ...SECURITY_HEADERS };
  return c.body(typeof body === "string" ? body : new Uint8Array(body), status, headers);
}

/** For HubHttpDeps.mounts: GET /console/... from `dir`. */
export function mountConsole(configured?: string): (app: Hono) => void {
  return (app) => {
    app.get(CONSOLE_PREFIX, (c) => c.redirect(`${CONSOLE_PREFIX}/`, 301));
    app.get(`${CONSOLE_PREFIX}/*`, async (c) => {
      const dir = configured ?? defaultConsoleDir();
      let rel: string;
      try {
        rel = decodeURIComponent(new URL(c.req.url).pathname.slice(CONSOLE_PREFIX.length + 1));
      } catch {
        return c.text("bad path", 400);
      }
      if (rel !== "" && !rel.endsWith("/")) {
        const file = await fileAt(dir, rel);
        if (file) {
          const immutable = rel.startsWith("assets/");
          return send(c, file, TYPES[extname(rel).toLowerCase()] ?? "application/octet-stream", immutable ? "public, max-age=31536000, immutable" : "no-cache");
        }
        // A missing asset is a 404, not the app (a stale tab asking for an old bundle must not get HTML as JS).
        if (rel.startsWith("assets/") || extname(rel) !== "") return send(c, "not found", "text/plain; charset=utf-8", "no-store", 404);
      }
      const index = existsSync(join(dir, "index.html")) ? await fileAt(dir, "index.html") : undefined;
      if (!index) return send(c, NOT_BUILT, "text/html; charset=utf-8", "no-store", 503);
      return send(c, index, "text/html; charset=utf-8", "no-cache");
    });
  };
}
