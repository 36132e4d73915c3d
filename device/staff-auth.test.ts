// Staff sign-in: PINs checked against scrypt hashes (hub/secrets.ts format), lockout, sliding sessions, roles.
import { describe, it, expect, afterEach } from "vitest";
import { randomBytes, scryptSync } from "node:crypto";
import type { Hono } from "hono";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { DevicePolicySchema, type DevicePolicy } from "../protocol/device-policy.js";
import { hashSecret } from "../hub/secrets.js";
import { StaffAuth, StaffError, checkPin, sourceKey } from "./staff-auth.js";
import { createKioskApp } from "./http.js";
import { SyncWorld } from "../test/sync-harness.js";

const policy: DevicePolicy = DevicePolicySchema.parse({
  staff: [
    { staffId: "s1", name: "Zhang", pinHash: hashSecret("1234") },
    { staffId: "s2", name: "Li", pinHash: hashSecret("98765"), roles: ["verify"] },
  ],
  staffSession: { idleMinutes: 10, maxFailedPins: 3, lockoutMinutes: 5 },
});

function auth(p: DevicePolicy | undefined = policy) {
  const clock = new ManualClock(1_700_000_000_000);
  const sink = new MemoryLogSink();
  return { clock, sink, staff: new StaffAuth({ policy: () => p, clock, log: createLogger("t", { destination: sink }) }) };
}

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof StaffError ? e.code : String(e)),
  );
}

describe("staff auth", () => {
  it("checks PINs against hub-made scrypt hashes and never logs them", async () => {
    expect(await checkPin("1234", hashSecret("1234"))).toBe(true);
    expect(await checkPin("1235", hashSecret("1234"))).toBe(false);
    expect(await checkPin("1234", "plain:1234")).toBe(false);
    const { staff, sink } = auth();
    const s = await staff.signIn("s1", "1234");
    expect(s).toMatchObject({ staffId: "s1", name: "Zhang", roles: ["verify", "returns"] });
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(sink.lines)).not.toContain("1234");
  });

  it("refuses wrong PINs and unknown ids alike, and locks an id after too many", async () => {
    const { staff, clock } = auth();
    expect(await code(staff.signIn("nobody", "1234"))).toBe("STAFF_SIGNIN_FAILED");
    expect(await code(staff.signIn("s1", "0000"))).toBe("STAFF_SIGNIN_FAILED");
    expect(await code(staff.signIn("s1", "0000"))).toBe("STAFF_SIGNIN_FAILED");
    expect(await code(staff.signIn("s1", "0000"))).toBe("STAFF_SIGNIN_FAILED");
    expect(await code(staff.signIn("s1", "1234"))).toBe("STAFF_LOCKED");
    expect(await code(staff.signIn("s2", "98765"))).toBe("ok");
    clock.advance(5 * 60_000);
    expect(await code(staff.signIn("s1", "1234"))).toBe("ok");
  });

  it("keeps a session alive while it is used, ends it after the idle time, and checks roles", async () => {
    const { staff, clock } = auth();
    const s = await staff.signIn("s2", "98765");
    clock.advance(9 * 60_000);
    expect(staff.require(s.token).staffId).toBe("s2");
    clock.advance(9 * 60_000);
    expect(staff.require(s.token, "verify").staffId).toBe("s2");
    expect(() => staff.require(s.token, "returns")).toThrow(expect.objectContaining({ code: "STAFF_FORBIDDEN" }));
    clock.advance(10 * 60_000);
    expect(() => staff.require(s.token)).toThrow(expect.objectContaining({ code: "STAFF_AUTH_REQUIRED" }));
    expect(() => staff.require(undefined)).toThrow(expect.objectContaining({ code: "STAFF_AUTH_REQUIRED" }));
    const again = await staff.signIn("s1", "1234");
    staff.signOut(again.token);
    expect(staff.session(again.token)).toBeUndefined();
  });

  it("says so when the store has no staff configured, and the policy refuses malformed hashes", async () => {
    const { staff } = auth(DevicePolicySchema.parse({}));
    expect(await code(staff.signIn("s1", "1234"))).toBe("STAFF_NONE_CONFIGURED");
    expect(DevicePolicySchema.safeParse({ staff: [{ staffId: "s1", name: "x", pinHash: "1234" }] }).success).toBe(false);
    expect(DevicePolicySchema.safeParse({ staff: [policy.staff[0], policy.staff[0]] }).success).toBe(false);
  });
});

describe("staff PIN rules", () => {
  it("takes PINs of 4 to 12 digits and nothing else", async () => {
    const long = "482915736024";
    const p = DevicePolicySchema.parse({
      staff: [
        { staffId: "s9", name: "Wang", pinHash: hashSecret(long) },
        { staffId: "s8", name: "Zhao", pinHash: hashSecret("12345678901234") },
      ],
    });
    const { staff } = auth(p);
    expect(await code(staff.signIn("s9", long))).toBe("ok");
    // Longer than 12 digits, or not digits: refused (and counted) without a check, whatever the hash says.
    expect(await code(staff.signIn("s8", "12345678901234"))).toBe("STAFF_SIGNIN_FAILED");
    expect(await code(staff.signIn("s9", `${long} `))).toBe("STAFF_SIGNIN_FAILED");
  });

  it("counts IPv4-mapped addresses as IPv4 and IPv6 hosts by their /64", () => {
    expect(sourceKey(undefined)).toBe("local");
    expect(sourceKey("::ffff:192.168.1.5")).toBe("192.168.1.5");
    expect(sourceKey("192.168.1.5")).toBe("192.168.1.5");
    expect(sourceKey("2001:db8:0:1:aaaa::1")).toBe(sourceKey("2001:DB8::1:bbbb:cccc:dddd:eeee"));
    expect(sourceKey("2001:db8:0:1::1")).not.toBe(sourceKey("2001:db8:0:2::1"));
    expect(sourceKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});

// ------------------------------------------------------------------ over HTTP, against a real kiosk

/** A PIN hash like hub/secrets.ts makes, with a cheaper scrypt cost so a thousand checks stay fast. */
function cheapHash(pin: string): string {
  const salt = randomBytes(16);
  return `scrypt$1024$${salt.toString("base64url")}$${scryptSync(pin, salt, 32, { N: 1024 }).toString("base64url")}`;
}

describe("staff sign-in over HTTP", () => {
  let w: SyncWorld | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  async function kioskApp(): Promise<Hono> {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01", {
      staff: [
        { staffId: "s1", name: "Zhang", pinHash: cheapHash("246813") },
        { staffId: "s2", name: "Li", pinHash: cheapHash("1357") },
      ],
      staffSession: { idleMinutes: 10, maxFailedPins: 5, lockoutMinutes: 5 },
    });
    const kiosk = await w.addKiosk("k1", "s01");
    await w.ready(kiosk);
    return createKioskApp(kiosk);
  }
  const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
  const login = async (app: Hono, staffId: string, pin: string, source: string): Promise<string> => {
    const res = await app.request(
      "/staff/login",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ staffId, pin }) },
      from(source),
    );
    const body = (await res.json()) as { error?: string };
    return res.status === 200 ? "ok" : `${res.status} ${body.error ?? ""}`;
  };

  it("checks at most maxFailedPins guesses for an id however many arrive at once, and the right PIN among them is refused", { timeout: 30_000 }, async () => {
    const app = await kioskApp();
    // 300 guesses at once from 300 addresses (so only the per-id limit applies); the right PIN is one of them.
    const guesses = Array.from({ length: 300 }, (_, i) => (i === 150 ? "246813" : String(100_000 + i)));
    const answers = await Promise.all(guesses.map((pin, i) => login(app, "s1", pin, `10.0.${i >> 8}.${i & 255}`)));
    const checked = answers.filter((a) => a === "401 STAFF_SIGNIN_FAILED").length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers[150]).toBe("429 STAFF_LOCKED");
    expect(answers.filter((a) => a === "ok")).toHaveLength(0);
    expect(await login(app, "s1", "246813", "10.9.9.9")).toBe("429 STAFF_LOCKED");
  });

  it("keeps a locked id locked after failures for a thousand other (unknown) staff ids", { timeout: 60_000 }, async () => {
    const app = await kioskApp();
    for (let i = 0; i < 5; i++) expect(await login(app, "s1", `00000${i}`, "10.1.0.1")).toBe("401 STAFF_SIGNIN_FAILED");
    expect(await login(app, "s1", "246813", "10.1.0.2")).toBe("429 STAFF_LOCKED");
    for (let b = 0; b < 1000; b += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => login(app, `junk-${b + j}`, "0000", `10.2.${(b + j) >> 8}.${(b + j) & 255}`)));
    }
    expect(await login(app, "s1", "246813", "10.1.0.3")).toBe("429 STAFF_LOCKED");
    // Unknown ids answer like known ones (no way to tell which ids exist), and s2 is untouched.
    expect(await login(app, "junk-1", "0000", "10.1.0.4")).toBe("401 STAFF_SIGNIN_FAILED");
    expect(await login(app, "s2", "1357", "10.1.0.5")).toBe("ok");
  });

  it("limits wrong PINs per source address across staff ids; other addresses are not affected", { timeout: 30_000 }, async () => {
    const app = await kioskApp();
    const answers: string[] = [];
    // Spread over many ids (never enough on one id to lock it) from one address.
    for (let i = 0; i < 40; i++) answers.push(await login(app, `guess-${i % 10}`, String(1000 + i), "192.168.1.50"));
    expect(answers.filter((a) => a === "401 STAFF_SIGNIN_FAILED").length).toBeLessThanOrEqual(20);
    expect(answers.at(-1)).toBe("429 STAFF_LOCKED");
    expect(await login(app, "s2", "1357", "192.168.1.50")).toBe("429 STAFF_LOCKED");
    expect(await login(app, "s2", "1357", "::ffff:192.168.1.50")).toBe("429 STAFF_LOCKED");
    expect(await login(app, "s2", "1357", "192.168.1.51")).toBe("ok");
  });
});
