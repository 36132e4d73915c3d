// Back-office member routes: registration (level per channel, unique numbers), reads, edits by role, blocking, audit, kiosk pushes.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, FULL_RULES, type BoWorld } from "./test-kit.js";

let w: BoWorld;
const rules = structuredClone(FULL_RULES) as { levels: Array<{ id: string; defaultFor?: string[] }> };
rules.levels[0]!.defaultFor = ["till"];
rules.levels[1]!.defaultFor = ["online"];

beforeEach(async () => {
  w = await boWorld({ rules });
});
afterEach(() => w.close());

describe("registration", () => {
  it("gives the channel's default level, a chain-unique number and pushes the member to kiosks", async () => {
    const till = await w.call("POST", "/bo/members", {
      token: w.tokens.staff1,
      body: { storeId: "s1", channel: "till", name: "Han Meimei", phone: "13800000000", gender: "female", birthDate: "1990-02-03" },
    });
    expect(till.status).toBe(201);
    const m = till.body.member as { memberId: string; levelId: string; cardClass: string; birthday: string; cardId: string };
    expect(m.levelId).toBe("normal");
    expect(m.memberId).toMatch(/^M\d{8}$/);
    expect(m.cardId).toBe(m.memberId);
    expect(m.cardClass).toBe("standard");
    expect(m.birthday).toBe("02-03");
    expect(till.body.profile).toMatchObject({ channel: "till", homeStoreId: "s1", cardIssuedOn: "2024-06-15", cardKeyState: "none", phone: "13800000000" });
    const online = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "online", name: "Li" } });
    expect((online.body.member as { levelId: string }).levelId).toBe("l95");
    expect((online.body.member as { memberId: string }).memberId).not.toBe(m.memberId);
    expect(w.pushes.flat().some((c) => c.change.kind === "upsert" && c.change.member.memberId === m.memberId)).toBe(true);
    const audit = await w.call("GET", `/bo/audit?entity=member&entityId=${m.memberId}`, { token: w.tokens.hq });
    const entry = (audit.body.entries as Array<{ action: string; actor: string; before: unknown; after: { member: { memberId: string } } }>)[0]!;
    expect(entry).toMatchObject({ action: "member.register", actor: "staff1", before: null });
    expect(entry.after.member.memberId).toBe(m.memberId);
  });

  it("keeps member numbers unique across stores and refuses bad input", async () => {
    expect(
      (await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "till", name: "A", memberId: "VIP001" } })).status,
    ).toBe(201);
    const clash = await w.call("POST", "/bo/members", { token: w.tokens.staff2, body: { storeId: "s2", channel: "till", name: "B", memberId: "VIP001" } });
    expect(clash.status).toBe(409);
    const cardClash = await w.call("POST", "/bo/members", {
      token: w.tokens.staff2,
      body: { storeId: "s2", channel: "till", name: "B", memberId: "X2", cardId: "VIP001" },
    });
    expect(cardClash.status).toBe(409);
    const bad = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "kiosk", name: "" } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toMatch(/body\.channel/);
    const typo = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "till", name: "C", nmae: "x" } });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toMatch(/unknown key\(s\) nmae/);
    expect((await w.call("POST", "/bo/members", { token: w.tokens.staff1, raw: "{not json", headers: { "content-type": "application/json" } })).status).toBe(
      400,
    );
    expect((await w.call("POST", "/bo/members", { token: w.tokens.hq, body: { storeId: "s1", channel: "till", name: "D", levelId: "nope" } })).status).toBe(
      400,
    );
  });

  it("refuses wrong roles and stores", async () => {
    const body = { storeId: "s1", channel: "till", name: "A" };
    expect((await w.call("POST", "/bo/members", { token: null, body })).status).toBe(401);
    expect((await w.call("POST", "/bo/members", { token: "bo_nonsense", body })).status).toBe(401);
    expect((await w.call("POST", "/bo/members", { token: w.tokens.staff2, body })).status).toBe(403);
    expect((await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { ...body, levelId: "l90" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/members", { token: w.tokens.hq, body: { ...body, levelId: "l90" } })).status).toBe(201);
  });
});

describe("edit and block", () => {
  it("lets staff edit contact fields, HQ the level, and audits before and after", async () => {
    const { memberId } = await w.register();
    const edit = await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.staff1, body: { name: "Li Lei 2", phone: "13900000000" } });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ member: { name: "Li Lei 2" }, profile: { phone: "13900000000" } });
    expect((await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.staff1, body: { levelId: "l90" } })).status).toBe(403);
    expect((await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.mgr1, body: { levelId: "l90" } })).status).toBe(403);
    const lvl = await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.hq, body: { levelId: "l90", reason: "goodwill" } });
    expect(lvl.status).toBe(200);
    expect(lvl.body).toMatchObject({ member: { levelId: "l90" }, level: { levelSince: "2024-06-15" } });
    const audit = await w.call("GET", `/bo/audit?entity=member&entityId=${memberId}&action=member.edit`, { token: w.tokens.hq });
    const entries = audit.body.entries as Array<{
      before: { member: { name: string; levelId: string } };
      after: { member: { name: string; levelId: string } };
      actor: string;
      note: string | null;
    }>;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ actor: "hq", note: "goodwill", before: { member: { levelId: "normal" } }, after: { member: { levelId: "l90" } } });
    expect(entries[1]).toMatchObject({ actor: "staff1", before: { member: { name: "Li Lei" } }, after: { member: { name: "Li Lei 2" } } });
    expect((await w.call("PATCH", "/bo/members/nobody", { token: w.tokens.hq, body: { name: "x" } })).status).toBe(404);
  });

  it("blocks and unblocks with a reason, managers only", async () => {
    const { memberId } = await w.register();
    expect((await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.staff1, body: { reason: "fraud" } })).status).toBe(403);
    expect((await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.mgr1, body: {} })).status).toBe(400);
    const blocked = await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.mgr1, body: { reason: "fraud" } });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ member: { status: "blocked" }, profile: { blockedReason: "fraud" } });
    expect(w.members.get(memberId)?.status).toBe("blocked");
    expect((await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.mgr1, body: { reason: "again" } })).status).toBe(409);
    const topUp = await w.call("POST", `/bo/members/${memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 10000, payment: { method: "cash" } },
      headers: { "idempotency-key": "blocked-top-up-1" },
    });
    expect(topUp.body.reason).toBe("MEMBER_BLOCKED");
    expect((await w.call("POST", `/bo/members/${memberId}/unblock`, { token: w.tokens.mgr1, body: { reason: "cleared" } })).body).toMatchObject({
      member: { status: "active" },
    });
  });

  it("scopes members of one store to that store's staff", async () => {
    const { memberId } = await w.register();
    await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.hq, body: { stores: ["s1"] } });
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 })).status).toBe(200);
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff2 })).status).toBe(403);
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.hq })).status).toBe(200);
  });
});
