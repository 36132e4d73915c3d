// Card keys (enrol with proof, revoke, member self-service by request proof; live codes refused) and headshots (upload rules by day, size and type, staff delete).
import { testJpeg, testPng } from "./image-fixtures.testkit.js";
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { generateKeyPair } from "../../protocol/signing.js";
import { createMemberCode } from "../../protocol/member-code.js";
import { boWorld, type BoWorld } from "./test-kit.js";
import { memberProof } from "../app/proof.testkit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

// Structurally valid JPEGs (uploads are parsed, see image-check.ts).
const jpeg = (n: number, fill = 1): Uint8Array => testJpeg(n, fill);
const png = (): Uint8Array => testPng();

describe("card keys", () => {
  it("enrols a key only with a fresh code signed by it, and revokes it so no code verifies", async () => {
    const reg = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "till", name: "No App Yet" } });
    const m = reg.body.member as { memberId: string; cardId: string; cardPublicKey: string };
    expect(reg.body.profile).toMatchObject({ cardKeyState: "none" });
    const key = generateKeyPair();
    const other = generateKeyPair();
    const path = `/bo/members/${m.memberId}/card-key`;
    const wrongProof = await w.call("PUT", path, {
      token: w.tokens.staff1,
      body: { publicKey: key.publicKey, proof: createMemberCode(m.cardId, other, w.clock.now()) },
    });
    expect(wrongProof.status).toBe(422);
    expect(wrongProof.body.reason).toBe("BAD_PROOF");
    const stale = await w.call("PUT", path, {
      token: w.tokens.staff1,
      body: { publicKey: key.publicKey, proof: createMemberCode(m.cardId, key, w.clock.now() - 120_000) },
    });
    expect(stale.body.reason).toBe("BAD_PROOF");
    expect((await w.call("PUT", path, { token: w.tokens.staff1, body: { publicKey: "short", proof: "x" } })).status).toBe(400);
    expect(
      (await w.call("PUT", path, { token: w.tokens.staff2, body: { publicKey: key.publicKey, proof: createMemberCode(m.cardId, key, w.clock.now()) } })).status,
    ).toBe(200);
    expect(w.members.get(m.memberId)?.cardPublicKey).toBe(key.publicKey);

    // The member's app rotates its own key with a request proof signed by the current one.
    const next = generateKeyPair();
    w.clock.advance(1000);
    const rotateBody = JSON.stringify({ publicKey: next.publicKey, proof: createMemberCode(m.cardId, next, w.clock.now()) });
    const rotate = await w.call("PUT", path, {
      headers: { authorization: memberProof(m.cardId, key, "PUT", path, rotateBody, w.clock.now()), "content-type": "application/json" },
      token: null,
      raw: rotateBody,
    });
    expect(rotate.status).toBe(200);
    // The old key opens nothing any more.
    const vipPath = `/bo/members/${m.memberId}/vip`;
    const oldKey = await w.call("GET", vipPath, {
      token: null,
      headers: { authorization: memberProof(m.cardId, key, "GET", vipPath, undefined, w.clock.now()) },
    });
    expect(oldKey.status).toBe(401);

    const revoked = await w.call("DELETE", path, { token: w.tokens.staff1, body: { reason: "phone lost" } });
    expect(revoked.body).toMatchObject({ cardKeyState: "none" });
    const sealed = w.members.get(m.memberId)?.cardPublicKey;
    expect(sealed).not.toBe(next.publicKey);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await w.call("DELETE", path, { token: w.tokens.staff1, body: { reason: "again" } })).status).toBe(409);
    w.clock.advance(2000);
    const afterRevoke = await w.call("GET", vipPath, {
      token: null,
      headers: { authorization: memberProof(m.cardId, next, "GET", vipPath, undefined, w.clock.now()) },
    });
    expect(afterRevoke.status).toBe(401);
    const history = await w.call("GET", `/bo/members/${m.memberId}/card-keys`, { token: w.tokens.mgr1 });
    expect((history.body.keys as Array<{ state: string }>).map((k) => k.state)).toEqual(["revoked", "replaced"]);
  });

  it("lets a member's app open only themselves with a request proof", async () => {
    const a = await w.register();
    const b = await w.register();
    const get = (path: string) =>
      w.call("GET", path, { token: null, headers: { authorization: memberProof(a.cardId, a.key, "GET", path, undefined, w.clock.now()) } });
    expect((await get(`/bo/members/${b.memberId}/vip`)).status).toBe(403);
    expect((await get(`/bo/members/${a.memberId}/vip`)).status).toBe(200);
    // Staff-only routes do not take member proofs.
    expect((await get(`/bo/members/${a.memberId}`)).status).toBe(401);
  });

  it("refuses a live code seen at a kiosk for every hub route, key enrolment and revocation included (#13.4)", async () => {
    const victim = await w.register();
    const attacker = generateKeyPair();
    const path = `/bo/members/${victim.memberId}/card-key`;
    // The code the victim's app showed at the kiosk, replayed at the hub within its window.
    const seen = w.memberCode(victim.cardId, victim.key);
    const enrol = await w.call("PUT", path, {
      token: null,
      headers: { authorization: `MemberCode ${seen}` },
      body: { publicKey: attacker.publicKey, proof: createMemberCode(victim.cardId, attacker, w.clock.now()) },
    });
    expect(enrol.status).toBe(401);
    expect(enrol.body.reason).toBe("MEMBER_CODE_NOT_ACCEPTED");
    const revoke = await w.call("DELETE", path, {
      token: null,
      headers: { authorization: `MemberCode ${w.memberCode(victim.cardId, victim.key)}` },
      body: { reason: "x" },
    });
    expect(revoke.status).toBe(401);
    const read = await w.call("GET", `/bo/members/${victim.memberId}/vip`, {
      token: null,
      headers: { authorization: `MemberCode ${w.memberCode(victim.cardId, victim.key)}` },
    });
    expect(read.status).toBe(401);
    expect(w.members.get(victim.memberId)?.cardPublicKey).toBe(victim.key.publicKey);
    // Neither is the code's text a request proof: the signed texts differ (MC1. vs MP1\n).
    const asProof = await w.call("DELETE", path, { token: null, headers: { authorization: `MemberProof ${seen}` }, body: { reason: "x" } });
    expect(asProof.status).toBe(401);
    expect(w.members.get(victim.memberId)?.cardPublicKey).toBe(victim.key.publicKey);
  });
});

describe("headshots", () => {
  it("uploads when none is on file, changes freely that day, locks from the next, unlocks on staff delete", async () => {
    const { memberId, cardId, key } = await w.register();
    const path = `/bo/members/${memberId}/headshot`;
    const self = (bytes: Uint8Array, type = "image/jpeg") =>
      w.call("PUT", path, {
        token: null,
        raw: bytes,
        headers: { authorization: memberProof(cardId, key, "PUT", path, bytes, w.clock.now()), "content-type": type },
      });
    const first = await self(jpeg(1000));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ uploadedOn: "2024-06-15", lockedFrom: "2024-06-16" });
    const hash1 = first.body.headshotHash as string;
    expect(w.members.get(memberId)?.headshotHash).toBe(hash1);
    w.clock.advance(3 * 3600_000); // same day, 13:00
    const second = await self(png(), "image/png");
    expect(second.status).toBe(200);
    expect(second.body.headshotHash).not.toBe(hash1);
    expect(w.members.photo(hash1)).toBeUndefined(); // the old photo is gone everywhere
    w.clock.advance(12 * 3600_000); // 01:00 the next day
    const locked = await self(jpeg(500, 7));
    expect(locked.status).toBe(422);
    expect(locked.body.reason).toBe("HEADSHOT_LOCKED");
    const staffUpload = await w.call("PUT", path, { token: w.tokens.staff1, raw: jpeg(600), headers: { "content-type": "image/jpeg" } });
    expect(staffUpload.body.reason).toBe("HEADSHOT_LOCKED");
    const image = await w.app.request(path, { headers: { authorization: `Bearer ${w.tokens.staff1}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect((await w.call("DELETE", path, { token: w.tokens.staff1, body: {} })).status).toBe(400);
    const del = await w.call("DELETE", path, { token: w.tokens.staff1, body: { reason: "not the member" } });
    expect(del.status).toBe(200);
    expect(w.members.get(memberId)?.headshotHash).toBeUndefined();
    expect((await w.call("DELETE", path, { token: w.tokens.staff1, body: { reason: "again" } })).status).toBe(404);
    expect((await self(jpeg(800, 3))).status).toBe(200);
  });

  it("checks size and type", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/headshot`;
    const put = (raw: Uint8Array, type: string) => w.call("PUT", path, { token: w.tokens.staff1, raw, headers: { "content-type": type } });
    expect((await put(jpeg(600 * 1024), "image/jpeg")).status).toBe(413);
    expect((await put(jpeg(100), "image/gif")).status).toBe(415);
    expect((await put(png(), "image/jpeg")).status).toBe(400);
    expect((await put(new Uint8Array(0), "image/jpeg")).status).toBe(400);
    expect((await w.call("PUT", path, { token: w.tokens.staff2, raw: jpeg(100), headers: { "content-type": "image/jpeg" } })).status).toBe(200);
    expect((await w.call("PUT", path, { token: null, raw: jpeg(100), headers: { "content-type": "image/jpeg" } })).status).toBe(401);
  });
});
