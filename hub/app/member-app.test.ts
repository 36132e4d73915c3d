// The member app's hub side over HTTP: activation tokens (one use, expiry, rate limit, proof of possession), request proofs (scope, replay, audience, time), one-time codes, self-service reads.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { generateKeyPair, type KeyPair } from "../../protocol/signing.js";
import { createMemberCode } from "../../protocol/member-code.js";
import { ACTIVATION_CARD } from "../../protocol/member-proof.js";
import { boWorld, insertSale, type BoWorld } from "../backoffice/test-kit.js";
import { memberProof, type ProofOptions } from "./proof.testkit.js";
import type { LogSender } from "./messages.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

/** A request signed by the app: `body` is sent as JSON text exactly as signed. */
function signed(method: string, path: string, cardId: string, key: KeyPair, body?: unknown, o?: ProofOptions) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { authorization: memberProof(cardId, key, method, path, text, w.clock.now(), o) };
  if (text !== undefined) headers["content-type"] = "application/json";
  return w.call(method, path, { token: null, headers, ...(text !== undefined ? { raw: text } : {}) });
}

async function newMember(): Promise<{ memberId: string; cardId: string }> {
  const reg = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "till", name: "王小明" } });
  return reg.body.member as { memberId: string; cardId: string };
}

const activate = (token: string, key: KeyPair, o?: ProofOptions) =>
  signed("POST", "/bo/app/activate", ACTIVATION_CARD, key, { token, publicKey: key.publicKey }, o);

describe("activation tokens", () => {
  it("enrol the app's key once, with a proof made by that key; a second use, a wrong token or an expired one are refused", async () => {
    const m = await newMember();
    const issued = await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: w.tokens.staff1, body: {} });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect(issued.body.link).toBe(`http://localhost/app/#/activate/${token}`);
    expect(JSON.stringify(w.db.prepare("SELECT * FROM app_activations").all())).not.toContain(token);

    const phone = generateKeyPair();
    // The proof must be signed by the key being enrolled.
    const stranger = generateKeyPair();
    const wrongKey = await w.call("POST", "/bo/app/activate", {
      token: null,
      headers: {
        authorization: memberProof(ACTIVATION_CARD, stranger, "POST", "/bo/app/activate", JSON.stringify({ token, publicKey: phone.publicKey }), w.clock.now()),
        "content-type": "application/json",
      },
      raw: JSON.stringify({ token, publicKey: phone.publicKey }),
    });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.reason).toBe("PROOF_BAD_SIGNATURE");
    const noProof = await w.call("POST", "/bo/app/activate", { token: null, body: { token, publicKey: phone.publicKey } });
    expect(noProof.body.reason).toBe("PROOF_MISSING");

    const ok = await activate(token, phone);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ memberId: m.memberId, cardId: m.cardId, name: "王小明" });
    expect(w.members.get(m.memberId)?.cardPublicKey).toBe(phone.publicKey);
    // The app's codes now verify; the token is spent.
    const again = await activate(token, generateKeyPair());
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe("ACTIVATION_USED");
    expect(w.members.get(m.memberId)?.cardPublicKey).toBe(phone.publicKey);
    expect((await activate(`AT${"x".repeat(43)}`, generateKeyPair())).body.reason).toBe("ACTIVATION_UNKNOWN");

    const late = await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: w.tokens.staff1, body: { ttlMinutes: 5 } });
    w.clock.advance(5 * 60_000);
    const expired = await activate(late.body.token as string, generateKeyPair());
    expect(expired.status).toBe(422);
    expect(expired.body.reason).toBe("ACTIVATION_EXPIRED");
    // Only staff issue them.
    expect((await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: null, body: {} })).status).toBe(401);
  });

  it("a newer token cancels the older one, and redemption is rate-limited per address", async () => {
    const m = await newMember();
    const first = (await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: w.tokens.staff1, body: {} })).body.token as string;
    await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: w.tokens.staff1, body: {} });
    expect((await activate(first, generateKeyPair())).body.reason).toBe("ACTIVATION_USED");
    let limited = 0;
    for (let i = 0; i < 25; i++) if ((await activate(`AT${String(i).padStart(43, "y")}`, generateKeyPair())).body.reason === "RATE_LIMITED") limited++;
    expect(limited).toBe(6); // 20 per 10 minutes, the first was above
    w.clock.advance(10 * 60_000);
    expect((await activate(`AT${"z".repeat(43)}`, generateKeyPair())).body.reason).toBe("ACTIVATION_UNKNOWN");
  });

  it("a live code shown at a kiosk cannot enrol a new key; only the activation flow can (#13.4)", async () => {
    const m = await newMember();
    const issued = await w.call("POST", `/bo/members/${m.memberId}/activation`, { token: w.tokens.staff1, body: {} });
    const phone = generateKeyPair();
    expect((await activate(issued.body.token as string, phone)).status).toBe(200);
    const attacker = generateKeyPair();
    const path = `/bo/members/${m.memberId}/card-key`;
    const seenAtKiosk = createMemberCode(m.cardId, phone, w.clock.now());
    const takeover = await w.call("PUT", path, {
      token: null,
      headers: { authorization: `MemberCode ${seenAtKiosk}` },
      body: { publicKey: attacker.publicKey, proof: createMemberCode(m.cardId, attacker, w.clock.now()) },
    });
    expect(takeover.status).toBe(401);
    const revoke = await w.call("DELETE", path, {
      token: null,
      headers: { authorization: `MemberCode ${createMemberCode(m.cardId, phone, w.clock.now() + 1000)}` },
      body: { reason: "lost" },
    });
    expect(revoke.status).toBe(401);
    expect(w.members.get(m.memberId)?.cardPublicKey).toBe(phone.publicKey);
    // The app itself may revoke its key (lost phone found again, or moving phones) with a request proof.
    const own = await signed("DELETE", path, m.cardId, phone, { reason: "new phone" });
    expect(own.status).toBe(200);
    expect(own.body.cardKeyState).toBe("none");
  });
});

describe("request proofs", () => {
  it("open only the signing member's routes, once, for this hub, this request and this time", async () => {
    const a = await w.register();
    const b = await w.register();
    const summary = (id: string) => `/bo/members/${id}/app/summary`;
    const own = await signed("GET", summary(a.memberId), a.cardId, a.key);
    expect(own.status).toBe(200);
    expect(own.body.member).toMatchObject({ memberId: a.memberId, cardId: a.cardId });
    expect((await signed("GET", summary(b.memberId), a.cardId, a.key)).status).toBe(403);
    // Signed by A's key but claiming B's card: the signature does not verify with B's key.
    expect((await signed("GET", summary(b.memberId), b.cardId, a.key)).body.reason).toBe("PROOF_BAD_SIGNATURE");
    // Staff routes never take a member proof.
    for (const path of [`/bo/members/${a.memberId}`, "/bo/members", "/bo/audit", `/bo/members/${a.memberId}/ledger?kind=points`]) {
      expect((await signed("GET", path, a.cardId, a.key)).status).toBe(401);
    }
    // Replay of the exact header.
    const path = summary(a.memberId);
    const header = memberProof(a.cardId, a.key, "GET", path, undefined, w.clock.now());
    expect((await w.call("GET", path, { token: null, headers: { authorization: header } })).status).toBe(200);
    const replay = await w.call("GET", path, { token: null, headers: { authorization: header } });
    expect(replay.status).toBe(401);
    expect(replay.body.reason).toBe("PROOF_REPLAYED");
    // A proof for another audience, another path, another body or another time.
    expect((await signed("GET", path, a.cardId, a.key, undefined, { audience: "kiosk" })).body.reason).toBe("PROOF_WRONG_AUDIENCE");
    expect((await signed("GET", path, a.cardId, a.key, undefined, { signedPath: `/bo/members/${a.memberId}/app/purchases` })).body.reason).toBe(
      "PROOF_BAD_SIGNATURE",
    );
    const cardKey = `/bo/members/${a.memberId}/card-key`;
    const swapped = await w.call("DELETE", cardKey, {
      token: null,
      headers: {
        authorization: memberProof(a.cardId, a.key, "DELETE", cardKey, JSON.stringify({ reason: "a" }), w.clock.now()),
        "content-type": "application/json",
      },
      raw: JSON.stringify({ reason: "b" }),
    });
    expect(swapped.body.reason).toBe("PROOF_BAD_SIGNATURE");
    const stale = await w.call("GET", path, {
      token: null,
      headers: { authorization: memberProof(a.cardId, a.key, "GET", path, undefined, w.clock.now() - 61_000) },
    });
    expect(stale.body.reason).toBe("PROOF_STALE");
    // A non-canonical spelling of the nonce (trailing bits set) is not a proof.
    const respelled = header.replace(
      /\.([A-Za-z0-9_-]{21})([AQgw])\./,
      (_m, head: string, last: string) => `.${head}${String.fromCharCode(last.charCodeAt(0) + 1)}.`,
    );
    expect((await w.call("GET", path, { token: null, headers: { authorization: respelled } })).body.reason).toBe("PROOF_MALFORMED");
  });

  it("show the member their own ledgers, purchases and receipts", async () => {
    const a = await w.register();
    insertSale(w, { memberId: a.memberId, saleId: "sale-1", at: w.clock.now(), totalFen: 5990 });
    const other = await w.register();
    insertSale(w, { memberId: other.memberId, saleId: "sale-2", at: w.clock.now(), totalFen: 100 });
    const list = await signed("GET", `/bo/members/${a.memberId}/app/purchases`, a.cardId, a.key);
    expect(list.body.purchases).toEqual([{ saleId: "sale-1", at: w.clock.now(), totalFen: 5990, savingsFen: 0, pointsEarned: 0 }]);
    expect((await signed("GET", `/bo/members/${a.memberId}/app/purchases/sale-1`, a.cardId, a.key)).body).toMatchObject({ saleId: "sale-1", totalFen: 5990 });
    expect((await signed("GET", `/bo/members/${a.memberId}/app/purchases/sale-2`, a.cardId, a.key)).status).toBe(404);
    const ledger = await signed("GET", `/bo/members/${a.memberId}/app/ledger?kind=points`, a.cardId, a.key);
    expect(ledger.status).toBe(200);
    expect(ledger.body.balances).toMatchObject({ pointsBalance: 0 });
  });
});

describe("one-time codes", () => {
  it("register a new member from a phone, rate-limited, and answer an activation token", async () => {
    const sender = w.bo.memberApp.sender as LogSender;
    expect((await w.call("POST", "/bo/app/otp", { token: null, body: { phone: "13800000001", storeId: "nope" } })).status).toBe(404);
    const sent = await w.call("POST", "/bo/app/otp", { token: null, body: { phone: "13800000001", storeId: "s1" } });
    expect(sent.status).toBe(201);
    expect(sent.body.sentTo).toBe("*******0001");
    expect((await w.call("POST", "/bo/app/otp", { token: null, body: { phone: "13800000001", storeId: "s1" } })).body.reason).toBe("RATE_LIMITED");
    const code = /\b(\d{6})\b/.exec(sender.sent.at(-1)!.text)![1]!;
    const wrong = code === "000000" ? "000001" : "000000";
    expect((await w.call("POST", "/bo/app/otp/verify", { token: null, body: { phone: "13800000001", code: wrong } })).body.reason).toBe("OTP_WRONG");
    expect((await w.call("POST", "/bo/app/otp/verify", { token: null, body: { phone: "13800000001", code } })).body.reason).toBe("NAME_REQUIRED");
    const ok = await w.call("POST", "/bo/app/otp/verify", { token: null, body: { phone: "13800000001", code, name: "李雷" } });
    expect(ok.status).toBe(200);
    expect(ok.body.created).toBe(true);
    // The code is spent; the token activates the new member's app.
    expect((await w.call("POST", "/bo/app/otp/verify", { token: null, body: { phone: "13800000001", code, name: "李雷" } })).body.reason).toBe("OTP_UNKNOWN");
    const key = generateKeyPair();
    const act = await activate(ok.body.token as string, key);
    expect(act.status).toBe(200);
    expect(w.members.get(act.body.memberId as string)).toMatchObject({ name: "李雷", cardPublicKey: key.publicKey });
    // Five wrong tries burn the code.
    w.clock.advance(61_000);
    await w.call("POST", "/bo/app/otp", { token: null, body: { phone: "13800000001", storeId: "s1" } });
    for (let i = 0; i < 5; i++)
      await w.call("POST", "/bo/app/otp/verify", {
        token: null,
        body: { phone: "13800000001", code: "999999" === /\b(\d{6})\b/.exec(sender.sent.at(-1)!.text)![1] ? "999998" : "999999" },
      });
    const right = /\b(\d{6})\b/.exec(sender.sent.at(-1)!.text)![1]!;
    expect((await w.call("POST", "/bo/app/otp/verify", { token: null, body: { phone: "13800000001", code: right } })).body.reason).toBe("OTP_TOO_MANY_TRIES");
  });
});
