// Issue 13 findings 11 and Low, against the real hub and kiosk over HTTP: bodies limited before they are read, kiosk assets by name only, customer writes JSON only.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { connect } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { Kiosk } from "../device/kiosk.js";
import { createKioskApp } from "../device/http.js";
import { hashSecret } from "../hub/secrets.js";
import { SyncWorld } from "./sync-harness.js";
import { sessionRules } from "./session-world.js";

let w: SyncWorld;
let kiosk: Kiosk;
let kioskApp: Hono;
let kioskServer: ServerType;
let kioskPort = 0;

beforeAll(async () => {
  w = new SyncWorld();
  await w.startHub();
  w.hub.publishConfig("s01", { rules: sessionRules(), device: { staff: [{ staffId: "s01", name: "Zhang", pinHash: hashSecret("2468") }] } });
  kiosk = await w.addKiosk("k1", "s01");
  kioskApp = createKioskApp(kiosk);
  await new Promise<void>((resolve) => {
    kioskServer = serve({ fetch: kioskApp.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      kioskPort = info.port;
      resolve();
    });
  });
}, 60_000);
afterAll(async () => {
  await new Promise((r) => kioskServer.close(r));
  await w.stop();
});

/** A body stream of `total` bytes that counts what the server pulled. */
function countingBody(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (sent >= total) return ctl.close();
      sent += chunk.byteLength;
      ctl.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

/**
 * Raw HTTP over a socket: sends the head, then body chunks until the server answers (or `total`
 * bytes went out). Returns the status line and how many body bytes were written before the answer.
 */
function rawPost(port: number, path: string, head: Record<string, string>, total: number): Promise<{ status: number; written: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let answer = "";
    let written = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    s.on("error", (err) => (answered ? undefined : reject(err)));
    // No answer at all (a server reading the whole body first) counts as a failure, not a hang.
    setTimeout(() => {
      if (answered) return;
      answered = true;
      s.destroy();
      resolve({ status: 0, written, body: "" });
    }, 10_000).unref();
    s.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
      if (!answered && answer.includes("\r\n\r\n")) {
        answered = true;
        setTimeout(() => {
          s.destroy();
          resolve({ status: Number(answer.slice(9, 12)), written, body: answer.slice(answer.indexOf("\r\n\r\n") + 4) });
        }, 50);
      }
    });
    s.on("connect", () => {
      const lines = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", ...Object.entries(head).map(([k, v]) => `${k}: ${v}`), "", ""];
      s.write(lines.join("\r\n"));
      const chunked = head["transfer-encoding"] === "chunked";
      const pump = (): void => {
        while (!answered && written < total) {
          written += chunk.length;
          const ok = s.write(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk);
          if (!ok) return void s.once("drain", pump);
        }
      };
      setTimeout(pump, 20);
    });
  });
}

const MiB = 1024 * 1024;

describe("body limits before reading (finding 11)", () => {
  it("hub: POST /provision with a 256 MiB Content-Length is refused at once, without the body", async () => {
    const r = await rawPost(w.hub.httpPort, "/provision", { "content-type": "application/json", "content-length": String(256 * MiB) }, 64 * 1024);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: "TOO_LARGE", maxBytes: 4096 });
  });

  it("hub: a 64 MiB chunked body to /provision is cut off near the limit", async () => {
    const before = process.memoryUsage().rss;
    const r = await rawPost(w.hub.httpPort, "/provision", { "content-type": "application/json", "transfer-encoding": "chunked" }, 64 * MiB);
    expect(r.status).toBe(413);
    // Socket buffers hold a few MiB at most; the hub did not wait for (or keep) 64 MiB.
    expect(r.written).toBeLessThan(16 * MiB);
    const grew = (process.memoryUsage().rss - before) / MiB;
    process.stdout.write(`hub /provision: ${(r.written / MiB).toFixed(1)} MiB sent before the 413, rss +${grew.toFixed(0)} MiB\n`);
    expect(grew).toBeLessThan(64);
  });

  it("hub: /broker/auth stops pulling a 64 MiB fetch() stream near its 4 KiB limit", async () => {
    const body = countingBody(64 * MiB);
    const res = await fetch(`http://127.0.0.1:${w.hub.httpPort}/broker/auth`, {
      method: "POST",
      body: body.stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit).catch((e: unknown) => e);
    if (res instanceof Response) expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(16 * MiB);
  });

  it("kiosk: /staff/login refuses a 64 MiB stream after at most the limit, and a Content-Length lie at once", async () => {
    const body = countingBody(64 * MiB);
    const res = await kioskApp.request("/staff/login", {
      method: "POST",
      body: body.stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "TOO_LARGE", maxBytes: 65536 });
    // The limit plus what the stream had queued ahead.
    expect(body.pulled()).toBeLessThanOrEqual(256 * 1024);
    const r = await rawPost(kioskPort, "/staff/login", { "content-type": "application/json", "content-length": String(256 * MiB) }, 64 * 1024);
    expect(r.status).toBe(413);
    const chunked = await rawPost(kioskPort, "/staff/login", { "content-type": "application/json", "transfer-encoding": "chunked" }, 64 * MiB);
    expect(chunked.status).toBe(413);
    expect(chunked.written).toBeLessThan(16 * MiB);
    // A normal sign-in still works.
    const ok = await kioskApp.request("/staff/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ staffId: "s01", pin: "2468" }),
    });
    expect(ok.status).toBe(200);
  });
});

describe("kiosk edges (Low)", () => {
  it("answers 404 for assets named after object properties, and serves assets with nosniff", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const res = await kioskApp.request(`/ui/assets/${name}`);
      expect(res.status, name).toBe(404);
    }
    const css = await kioskApp.request("/ui/assets/kiosk.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("takes customer writes as JSON only (415 for text/plain or a form), bodiless writes without a type", async () => {
    const local = { incoming: { socket: { remoteAddress: "127.0.0.1" } } };
    const plain = await kioskApp.request(
      "/session/scan",
      { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ text: "x" }) },
      local,
    );
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ error: "UNSUPPORTED_MEDIA_TYPE" });
    const form = await kioskApp.request(
      "/session/cancel",
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" },
      local,
    );
    expect(form.status).toBe(415);
    const untyped = await kioskApp.request("/session/scan", { method: "POST", body: new Blob([JSON.stringify({ text: "x" })]) }, local);
    expect(untyped.status).toBe(415);
    expect((await kioskApp.request("/session/cancel", { method: "POST" }, local)).status).toBe(200);
    const json = await kioskApp.request(
      "/session/scan",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "0000000000000" }) },
      local,
    );
    expect(json.status).toBe(200);
  });
});
