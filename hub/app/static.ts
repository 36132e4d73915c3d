// Serves the built member app (Vite output in dist/member-app) under /app: content types, cache headers, SPA fallback, and a 503 page when it was not built.
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Hono } from "hono";

export const APP_PREFIX = "/app";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Where `npm run build:app` writes: dist/member-app from the source tree and from the compiled tree alike. */
export function defaultAppDir(): string {
  const candidates = [new URL("../../dist/member-app/", import.meta.url), new URL("../../member-app/", import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((d) => existsSync(join(d, "index.html"))) ?? candidates[0]!;
}

const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>会员App未构建 Member app not built</title></head>
<body style="font:16px system-ui;padding:16px"><h1>会员App尚未构建</h1><p>请在服务器上运行 <code>npm run build:app</code>（或 <code>npm run build</code>）后刷新。<br>The member app has not been built on this hub: run <code>npm run build:app</code> (or <code>npm run build</code>) and reload.</p></body></html>`;

/** Mounts GET /app and /app/* serving files from `dir` (read once per file and kept in memory: the app is small). */
export function mountAppStatic(app: Hono, dir: string = defaultAppDir()): void {
  const root = normalize(dir);
  const cache = new Map<string, Buffer>();
  const gz = new Map<string, Buffer>();
  const gzipped = (file: string, bytes: Buffer): Buffer => {
    let z = gz.get(file);
    if (!z) {
      z = gzipSync(bytes, { level: 9 });
      if (gz.size < 500) gz.set(file, z);
    }
    return z;
  };
  const read = (file: string): Buffer | undefined => {
    const hit = cache.get(file);
    if (hit) return hit;
    try {
      if (!statSync(file).isFile()) return undefined;
    } catch {
      return undefined;
    }
    const bytes = readFileSync(file);
    if (cache.size < 500) cache.set(file, bytes);
    return bytes;
  };
  app.get(APP_PREFIX, (c) => c.redirect(`${APP_PREFIX}/`, 301));
  app.get(`${APP_PREFIX}/*`, (c) => {
    const common = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
    const index = read(join(root, "index.html"));
    if (!index) return c.html(NOT_BUILT, 503, { ...common, "cache-control": "no-store", "retry-after": "60" });
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path.slice(APP_PREFIX.length + 1));
    } catch {
      return c.text("bad path", 400, common);
    }
    const file = normalize(join(root, rel));
    const inside = file.startsWith(root.endsWith(sep) ? root : root + sep);
    const bytes = rel !== "" && inside && !rel.includes("\0") ? read(file) : undefined;
    if (!bytes) {
      // A path with an extension that is not there is a real 404; anything else is a screen of the app.
      if (extname(rel) !== "") return c.text("not found", 404, common);
      return c.body(new Uint8Array(index), 200, { ...common, "content-type": TYPES[".html"]!, "cache-control": "no-cache", "content-security-policy": CSP });
    }
    const ext = extname(file).toLowerCase();
    const hashed = rel.startsWith("assets/");
    const headers: Record<string, string> = {
      ...common,
      "content-type": TYPES[ext] ?? "application/octet-stream",
      // Hashed bundles never change; the shell, the service worker and the manifest are revalidated every time.
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    };
    if (ext === ".html") headers["content-security-policy"] = CSP;
    if (rel === "sw.js") headers["service-worker-allowed"] = `${APP_PREFIX}/`;
    if (/^(text\/|application\/(json|manifest)|image\/svg)/.test(headers["content-type"]!) && bytes.length > 1024) {
      headers.vary = "accept-encoding";
      if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? ""))
        return c.body(new Uint8Array(gzipped(file, bytes)), 200, { ...headers, "content-encoding": "gzip" });
    }
    return c.body(new Uint8Array(bytes), 200, headers);
  });
}
