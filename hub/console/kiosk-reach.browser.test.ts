// The console's actions reaching a running kiosk, in real Chromium against a real hub (embedded MQTT broker, SQLite) and a real in-process kiosk: a headshot deleted by a clerk leaves the kiosk's own SQLite file; a PIN reset by a manager is what the kiosk's HTTP staff sign-in then accepts (and the old PIN is refused); screenshots in test-artifacts/console.
import { join } from "node:path";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kiosk } from "../../device/kiosk.js";
import { createKioskApp } from "../../device/http.js";
import { SyncWorld, type TestMember } from "../../test/sync-harness.js";
import { waitUntil } from "../../scripts/demo-env.js";
import { testJpeg } from "../backoffice/image-fixtures.testkit.js";
import { launchChromium, newPage, requireChromium, type Served, serveApp, shot } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const STORE = "s01";

let w: SyncWorld;
let browser: Browser;
let kiosk: Kiosk;
let member: TestMember;
let kioskServer: Served | undefined;
let kioskBase = "";

/** A console user of the store, signed in through a one-time link (the same sign-in the demo uses). */
async function signedIn(userId: string, role: "counter-staff" | "store-manager", name: string) {
  const { users, db } = w.hub.backoffice.deps;
  if (!users.get(userId)) db.transaction(() => users.createInTx({ userId, name, role, stores: [STORE] }));
  const { ctx, page } = await newPage(browser);
  await page.goto(w.hub.backoffice.signInLink(w.hub.consoleUrl, userId));
  await page.getByTestId("whoami").waitFor();
  return { ctx, page };
}

/** What the kiosk's own database file holds, read through a second connection (not the kiosk's in-memory view). */
function kioskFile(): { photos: string[]; headshotHash: string | null } {
  const db = new Database(join(w.dir, "k1", "kiosk.db"), { readonly: true, fileMustExist: true });
  try {
    const photos = (db.prepare("SELECT hash FROM photos").all() as Array<{ hash: string }>).map((r) => r.hash);
    const row = db.prepare("SELECT json_extract(record, '$.headshotHash') AS h FROM members WHERE member_id = ?").get(member.memberId) as
      | { h: string | null }
      | undefined;
    return { photos, headshotHash: row?.h ?? null };
  } finally {
    db.close();
  }
}

/** The kiosk's staff sign-in over its real HTTP port. */
async function kioskLogin(staffId: string, pin: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${kioskBase}/staff/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ staffId, pin }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = new SyncWorld();
  await w.startHub();
  w.publishDemoConfig(STORE);
  member = w.addMember("m1", { stores: [STORE] });
  kiosk = await w.addKiosk("k1", STORE);
  await w.ready(kiosk, ["m1"]);
  kioskServer = await serveApp(createKioskApp(kiosk).fetch);
  kioskBase = kioskServer.base;
  await build;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await kioskServer?.close();
  await w?.stop();
});

describe("console actions reaching a running kiosk", () => {
  it("a clerk deletes a member's headshot with a reason: the kiosk's own database no longer has the image or the reference", async () => {
    const jpeg = testJpeg(6000, 3);
    const hash = createHash("sha256").update(jpeg).digest("hex");
    expect(w.hub.members.setHeadshot(member.memberId, jpeg, "image/jpeg")).toBe(hash);
    // The kiosk follows the changelog and fetches the image into its own SQLite file.
    await waitUntil(() => kiosk.store.photo(hash) !== undefined, "the kiosk to cache the headshot", 20_000);
    expect(kioskFile()).toEqual({ photos: [hash], headshotHash: hash });
    expect(Buffer.from(kiosk.store.photo(hash)!.bytes).equals(Buffer.from(jpeg))).toBe(true);

    const { ctx, page } = await signedIn("clerk1", "counter-staff", "柜台店员");
    await page.goto(`${w.hub.consoleUrl}#/members/${member.memberId}`);
    await page.getByRole("tab", { name: "头像" }).click();
    await page.getByTestId("headshot").waitFor();
    await shot(page, "reach-01-headshot-before-delete");
    await page.getByTestId("headshot-delete").click();
    await page.getByTestId("headshot-delete-reason").fill("照片不是本人 not the member");
    await page.getByTestId("headshot-delete-confirm").click();
    await page.getByTestId("no-headshot").waitFor();
    await shot(page, "reach-02-headshot-deleted");
    await ctx.close();

    // The kiosk's store, then its file: neither the image nor the member's pointer to it is left.
    await waitUntil(
      () => kiosk.store.photo(hash) === undefined && kiosk.store.member(member.memberId)?.headshotHash === undefined,
      "the kiosk to drop the headshot",
      20_000,
    );
    expect(kiosk.store.member(member.memberId)).toBeDefined();
    expect(kiosk.store.photoCount()).toBe(0);
    expect(kioskFile()).toEqual({ photos: [], headshotHash: null });
    const audit = w.hub.backoffice.deps.audit.list({ entity: "member", entityId: member.memberId, limit: 10 });
    expect(audit.map((a) => [a.action, a.actor, a.note])).toContainEqual(["headshot.delete", "clerk1", "照片不是本人 not the member"]);
  }, 120_000);

  it("a manager resets a kiosk staff PIN in the console: the kiosk's HTTP sign-in accepts the new PIN and refuses the old one", async () => {
    const { ctx, page } = await signedIn("mgr1", "store-manager", "店长");
    await page.goto(`${w.hub.consoleUrl}#/kiosk-staff`);
    // First PIN, set in the console, reaches the kiosk and works there.
    await page.getByTestId("kiosk-staff-add").click();
    await page.getByTestId("pin-staff-id").fill("zhang");
    await page.getByTestId("pin-name").fill("张店员");
    await page.getByTestId("pin-value").fill("246801");
    await page.getByTestId("pin-save").click();
    await expect.poll(() => page.getByTestId("kiosk-staff").textContent(), { timeout: 15_000 }).toContain("张店员");
    const first = w.hub.configs.latest(STORE)!.version;
    await waitUntil(() => kiosk.sync.current?.version === first, `the kiosk to apply config v${first}`, 20_000);
    const before = await kioskLogin("zhang", "246801");
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ staffId: "zhang", name: "张店员" });

    // The reset: a new PIN, a new signed config.
    await page.getByTestId("pin-zhang").click();
    await page.getByTestId("pin-value").fill("975310");
    await shot(page, "reach-03-pin-reset");
    await page.getByTestId("pin-save").click();
    await waitUntil(() => w.hub.configs.latest(STORE)!.version > first, "the hub to publish the reset", 15_000);
    const second = w.hub.configs.latest(STORE)!.version;
    await waitUntil(() => kiosk.sync.current?.version === second, `the kiosk to apply config v${second}`, 20_000);
    await shot(page, "reach-04-pin-reset-saved");
    await ctx.close();

    const old = await kioskLogin("zhang", "246801");
    expect(old.status).toBe(401);
    expect(old.body.error).toBe("STAFF_SIGNIN_FAILED");
    const fresh = await kioskLogin("zhang", "975310");
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ staffId: "zhang", name: "张店员", roles: ["verify", "returns"] });
    // The session the new PIN opened is a real one on the kiosk.
    const me = await fetch(`${kioskBase}/staff/me`, { headers: { authorization: `Bearer ${String(fresh.body.token)}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ staffId: "zhang" });
  }, 120_000);
});
