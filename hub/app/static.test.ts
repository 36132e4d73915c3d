// Serving the built member app (content types, cache headers, gzip, SPA fallback, no escape from the folder, 503 when not built) and e-receipt pages by token.
import { describe, it, expect, afterEach } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { mountAppStatic } from "./static.js";
import { storeReceiptToken } from "./receipts.js";
import { boWorld, insertSale, type BoWorld } from "../backoffice/test-kit.js";

const dirs: string[] = [];
let w: BoWorld | undefined;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  w?.close();
  w = undefined;
});

function appWith(files: Record<string, string>): Hono {
  const dir = mkdtempSync(join(tmpdir(), "app-static-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "..", "secret.txt"), "outside");
  const app = new Hono();
  mountAppStatic(app, dir);
  return app;
}

describe("the member app's files", () => {
  it("answer 503 with the build command when the app was not built", async () => {
    const res = await appWith({}).request("/app/");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:app");
  });

  it("are served with their types and cache rules, gzip, and the shell for app routes", async () => {
    const js = `console.log(${JSON.stringify("x".repeat(5000))});`;
    const app = appWith({ "index.html": "<!doctype html><title>app</title>", "assets/index-abc.js": js, "sw.js": "self.x=1", "manifest.webmanifest": "{}" });
    const index = await app.request("/app/");
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const asset = await app.request("/app/assets/index-abc.js", { headers: { "accept-encoding": "gzip, br" } });
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await asset.arrayBuffer())).toString()).toBe(js);
    expect(await (await app.request("/app/assets/index-abc.js")).text()).toBe(js);
    const sw = await app.request("/app/sw.js");
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(sw.headers.get("service-worker-allowed")).toBe("/app/");
    expect((await app.request("/app/manifest.webmanifest")).headers.get("content-type")).toBe("application/manifest+json; charset=utf-8");
    // Screens of the app get the shell; a missing file with an extension is a 404; nothing outside the folder.
    expect(await (await app.request("/app/code")).text()).toContain("<title>app</title>");
    expect((await app.request("/app/assets/missing.js")).status).toBe(404);
    expect((await app.request("/app/../secret.txt")).status).not.toBe(200);
    expect(await (await app.request("/app/%2e%2e/secret.txt")).text()).not.toContain("outside");
    expect((await app.request("/app")).status).toBe(301);
  });
});

describe("e-receipts", () => {
  it("open by the kiosk's token only: not by the sale id, not by a wrong token", async () => {
    w = await boWorld();
    const m = await w.register();
    insertSale(w, { memberId: m.memberId, saleId: "k1-sale-7", at: w.clock.now(), totalFen: 5990 });
    const token = "rT0k3n_abcdefghijklmnopqrstuv";
    storeReceiptToken(w.db, "k1-sale-7", token, w.clock.now());
    const page = await w.app.request(`/r/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const html = await page.text();
    expect(html).toContain("¥59.90");
    expect(html).toContain("k1-sale-7");
    // No personal data: neither the member's name nor their number.
    expect(html).not.toContain("Li Lei");
    expect(html).not.toContain(m.memberId);
    const json = await w.app.request(`/r/${token}`, { headers: { accept: "application/json" } });
    expect(await json.json()).toMatchObject({ saleId: "k1-sale-7", totalFen: 5990 });
    expect((await w.app.request(`/r/k1-sale-7.${token}`)).status).toBe(200);
    expect((await w.app.request(`/r/k1-sale-8.${token}`)).status).toBe(404);
    expect((await w.app.request("/r/k1-sale-7")).status).toBe(404);
    expect((await w.app.request(`/r/${token.slice(0, -1)}x`)).status).toBe(404);
    expect((await w.app.request("/r/..%2F..")).status).toBe(404);
  });
});
