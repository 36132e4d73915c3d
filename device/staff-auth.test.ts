// Staff sign-in: PINs checked against scrypt hashes (hub/secrets.ts format), lockout, sliding sessions, roles.
import { describe, it, expect } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../protocol/log.js";
import { DevicePolicySchema, type DevicePolicy } from "../protocol/messages.js";
import { hashSecret } from "../hub/secrets.js";
import { StaffAuth, StaffError, checkPin } from "./staff-auth.js";

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
  return p.then(() => "ok", (e: unknown) => (e instanceof StaffError ? e.code : String(e)));
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
