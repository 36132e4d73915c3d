// Kiosk staff PINs set from the back office reach the store's signed config in a form the kiosk's own check accepts, and are never shown.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { checkPin } from "../../device/staff-auth.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

type Staff = { staffId: string; name: string; pinHash: string };
const staffOf = (storeId: string): Staff[] => (w.configs.latest(storeId)!.content.device as unknown as { staff: Staff[] }).staff;

describe("kiosk staff PINs", () => {
  it("a manager sets and resets a PIN: the next signed config carries a hash the kiosk accepts, the old PIN stops working, no answer shows it", async () => {
    const v0 = w.configs.latest("s1")!.version;
    const set = await w.call("PUT", "/bo/stores/s1/kiosk-staff/zhang", { token: w.tokens.mgr1, body: { name: "张三", pin: "2468" } });
    expect(set.status).toBe(200);
    expect(set.body.version).toBe(v0 + 1);
    const first = staffOf("s1").find((s) => s.staffId === "zhang")!;
    expect(await checkPin("2468", first.pinHash)).toBe(true);
    const reset = await w.call("PUT", "/bo/stores/s1/kiosk-staff/zhang", { token: w.tokens.mgr1, body: { name: "张三", pin: "135790" } });
    expect(reset.body.version).toBe(v0 + 2);
    const second = staffOf("s1").find((s) => s.staffId === "zhang")!;
    expect(await checkPin("135790", second.pinHash)).toBe(true);
    expect(await checkPin("2468", second.pinHash)).toBe(false);
    // The rest of the config is what it was.
    expect(w.configs.latest("s1")!.content.rules).toEqual(w.configs.get("s1", v0)!.content.rules);
    const list = await w.call("GET", "/bo/stores/s1/kiosk-staff", { token: w.tokens.mgr1 });
    expect(list.body.staff).toEqual([{ staffId: "zhang", name: "张三", roles: ["verify", "returns"], hasPin: true }]);
    expect(JSON.stringify([set.body, reset.body, list.body])).not.toContain("scrypt");
    const audit = await w.call("GET", "/bo/audit?entity=kiosk-staff", { token: w.tokens.mgr1 });
    expect(JSON.stringify(audit.body)).not.toContain("scrypt");
    expect((await w.call("DELETE", "/bo/stores/s1/kiosk-staff/zhang", { token: w.tokens.mgr1 })).status).toBe(200);
    expect(staffOf("s1")).toEqual([]);
  });

  it("only managers of the store; PINs are 4-12 digits", async () => {
    expect((await w.call("PUT", "/bo/stores/s1/kiosk-staff/li", { token: w.tokens.mgr2, body: { name: "李", pin: "2468" } })).status).toBe(403);
    expect((await w.call("PUT", "/bo/stores/s1/kiosk-staff/li", { token: w.tokens.staff1, body: { name: "李", pin: "2468" } })).status).toBe(403);
    expect((await w.call("PUT", "/bo/stores/s1/kiosk-staff/li", { token: w.tokens.mgr1, body: { name: "李", pin: "12a4" } })).status).toBe(400);
    expect((await w.call("GET", "/bo/stores/s2/kiosk-staff", { token: w.tokens.mgr1 })).status).toBe(403);
  });

  it("a store built from layers gets the PIN through its override layer", async () => {
    const latest = w.configs.latest("s1")!.content;
    w.configs.setLayer({ kind: "chain" }, { rules: latest.rules, device: { storeName: "chain" } });
    expect((await w.call("PUT", "/bo/stores/s1/kiosk-staff/wang", { token: w.tokens.mgr1, body: { name: "王", pin: "8642" } })).status).toBe(200);
    expect((w.configs.getLayer({ kind: "store", storeId: "s1" })!.device as { staff: Staff[] }).staff[0]!.staffId).toBe("wang");
    expect(await checkPin("8642", staffOf("s1")[0]!.pinHash)).toBe(true);
  });
});

describe("top-up rules for the counter", () => {
  it("lists the store's rules with their amounts", async () => {
    const r = await w.call("GET", "/bo/top-ups/rules?storeId=s1", { token: w.tokens.staff1 });
    expect(r.status).toBe(200);
    const rules = r.body.rules as Array<{ id: string; amountFen: number | null }>;
    expect(rules.find((x) => x.id === "t1000")?.amountFen).toBe(100000);
    expect((await w.call("GET", "/bo/top-ups/rules?storeId=s2", { token: w.tokens.staff1 })).status).toBe(403);
  });
});
