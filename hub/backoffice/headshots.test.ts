// Headshot uploads over HTTP are parsed (JPEG frame header / PNG IHDR, complete file, portrait size), and every served image says nosniff with a strict type (issue 13, Low).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { testJpeg, testPng } from "./image-fixtures.testkit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

describe("headshot images", () => {
  it("refuses files that only start like an image: HTML behind JPEG magic, truncated files, absurd sizes, the wrong type", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/headshot`;
    const put = (raw: Uint8Array, type = "image/jpeg") => w.call("PUT", path, { token: w.tokens.staff1, raw, headers: { "content-type": type } });
    const html = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...new TextEncoder().encode("<html><script>alert(1)</script></html>"), 0xff, 0xd9]);
    const polyglot = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...new TextEncoder().encode("<svg onload=alert(1)>")]);
    const truncated = testJpeg(2000).slice(0, 1500);
    const huge = testJpeg(2000, 1, 60_000, 60_000);
    const tiny = testJpeg(2000, 1, 1, 1);
    const pngTruncated = testPng().slice(0, 40);
    for (const [name, bytes, type] of [
      ["html", html, "image/jpeg"],
      ["polyglot", polyglot, "image/jpeg"],
      ["truncated", truncated, "image/jpeg"],
      ["huge", huge, "image/jpeg"],
      ["tiny", tiny, "image/jpeg"],
      ["png truncated", pngTruncated, "image/png"],
      ["png sent as jpeg", testPng(), "image/jpeg"],
      ["jpeg sent as png", testJpeg(2000), "image/png"],
      ["png 0x0", testPng(0, 0), "image/png"],
    ] as const) {
      const r = await put(bytes, type);
      expect(r.status, name).toBe(400);
      expect(r.body, name).toMatchObject({ error: "INVALID_INPUT", reason: "IMAGE_INVALID" });
    }
    expect(w.members.get(memberId)?.headshotHash).toBeUndefined();
    expect((await put(testPng(300, 400), "image/png")).status).toBe(200);
  });

  it("serves the image with nosniff, its own strict type and no way to run as a page", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/headshot`;
    expect((await w.call("PUT", path, { token: w.tokens.staff1, raw: testJpeg(5000), headers: { "content-type": "image/jpeg" } })).status).toBe(200);
    const res = await w.app.request(path, { headers: { authorization: `Bearer ${w.tokens.staff1}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
  });
});
