// Card validity (seed 000): HQ sets it, a VIP purchase replaces it with the VIP's expiry, the VIP's end restores it; the kiosks' member record carries it (cardValidUntil).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { revertExpiredVips } from "./vip.js";
import { jobActor } from "../audit.js";
import { MemberRecordSchema, MembersPageSchema, type MemberRecord } from "../../protocol/messages.js";
import { cardExpired, cardValidity } from "../../protocol/card-validity.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "../../storage/sqlite.js";
import { openPostgres } from "../../storage/postgres.js";
import { freshSchemaName, hubTestStore, postgresUrl } from "../../test/postgres.js";
import { HUB_MIGRATIONS } from "../schema.js";
import { HUB_PG_MIGRATIONS } from "../pg-schema.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const DAY = 86_400_000;
const cash = { method: "cash" } as const;

describe("card validity", () => {
  it("is replaced by a VIP purchase and restored when the VIP ends; set during VIP it is what comes back", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/card-validity`;
    const until = Date.parse("2025-06-30T00:00:00+08:00");
    expect((await w.call("PUT", path, { token: w.tokens.mgr1, body: { validUntil: until, reason: "x" } })).status).toBe(403);
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: until } })).status).toBe(400);
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: until, reason: "old system" } })).body).toEqual({
      cardValidUntil: until,
      restoresTo: null,
      vip: false,
    });
    const buy = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-trial-7d", payment: cash },
      headers: { "idempotency-key": "card-validity-vip-1" },
    });
    expect(buy.status).toBe(200);
    const vipUntil = w.clock.now() + 7 * DAY;
    const view = async () => (await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.hq })).body.vip as Record<string, unknown>;
    expect(await view()).toMatchObject({ active: true, cardValidUntil: vipUntil });
    // Changed during the VIP: the VIP's expiry stays the card's validity, the new date is restored at its end.
    const later = until + 30 * DAY;
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: later, reason: "extended" } })).body).toEqual({
      cardValidUntil: vipUntil,
      restoresTo: later,
      vip: true,
    });
    w.clock.advance(8 * DAY);
    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(1);
    expect(await view()).toMatchObject({ active: false, cardValidUntil: later });
  });

  it("reaches the kiosks' member change: the card's own validity, while VIP the one restored; old kiosks drop the field", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/card-validity`;
    /** The member as the last push gave it to the kiosks (parsed as a kiosk parses it). */
    const pushed = (): MemberRecord => {
      const c = w.pushes.at(-1)?.find((p) => p.change.kind === "upsert" && p.change.member.memberId === memberId)?.change;
      if (c?.kind !== "upsert") throw new Error("no member change pushed");
      return MemberRecordSchema.parse(JSON.parse(JSON.stringify(c.member)));
    };
    const until = w.clock.now() + 10 * DAY;
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: until, reason: "old system" } })).status).toBe(200);
    expect(pushed().cardValidUntil).toBe(until);
    expect(cardExpired(pushed(), until - 1)).toBe(false);
    expect(cardExpired(pushed(), until)).toBe(true);
    // A kiosk catching up from cursor 0 gets it too.
    const page = MembersPageSchema.parse(JSON.parse(JSON.stringify(w.members.changesSince("s1", 0, 100))));
    const snap = page.changes.find((c) => c.kind === "upsert" && c.member.memberId === memberId);
    expect(snap?.kind === "upsert" && snap.member.cardValidUntil).toBe(until);

    // A VIP purchase: the kiosk's card is valid until the VIP's expiry; the record keeps the validity it restores.
    const buy = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-trial-7d", payment: cash },
      headers: { "idempotency-key": "card-validity-push-1" },
    });
    expect(buy.status).toBe(200);
    const vipUntil = w.clock.now() + 7 * DAY;
    expect(pushed()).toMatchObject({ vipExpiresAt: vipUntil, cardValidUntil: until });
    expect(cardValidity(pushed(), w.clock.now())).toBe(vipUntil);
    // Shortened during the VIP to a day already past: the VIP still carries the card; its end restores the past date.
    const past = w.clock.now() - DAY;
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: past, reason: "lapsed" } })).body).toMatchObject({ restoresTo: past });
    expect(pushed()).toMatchObject({ vipExpiresAt: vipUntil, cardValidUntil: past });
    expect(cardExpired(pushed(), vipUntil - 1)).toBe(false);
    expect(cardExpired(pushed(), vipUntil)).toBe(true);
    w.clock.advance(8 * DAY);
    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(1);
    expect(w.members.get(memberId)?.cardValidUntil).toBe(past);
    // No expiry: the field is gone from the record.
    await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: null, reason: "renewed" } });
    expect(pushed()).not.toHaveProperty("cardValidUntil");
    expect(cardExpired(pushed(), w.clock.now())).toBe(false);

    // A kiosk whose member schema predates the field parses the new record and drops it (z.object strips unknown keys).
    const oldKiosk = MemberRecordSchema.omit({ cardValidUntil: true });
    const parsed = oldKiosk.safeParse({ ...pushed(), cardValidUntil: until });
    expect(parsed.success).toBe(true);
    expect(parsed.data).not.toHaveProperty("cardValidUntil");
  });

  it("the migration copies member_vip's validity onto members (while VIP, the one restored)", async () => {
    const pg = hubTestStore() === "postgres";
    const dir = mkdtempSync(join(tmpdir(), "validity-mig-"));
    const schema = freshSchemaName("validity");
    const db = pg ? await openPostgres({ url: postgresUrl(), schema }) : await openDatabase(join(dir, "hub.db"));
    const all = pg ? HUB_PG_MIGRATIONS : HUB_MIGRATIONS;
    const added = all.find((m) => m.name === "member-card-validity")!;
    try {
      migrate(
        db,
        all.filter((m) => m !== added),
      );
      const insert = db.prepare(
        "INSERT INTO members (member_id, card_id, name, level_id, card_class, card_public_key, status, created_at, updated_at) VALUES (?, ?, 'n', 'l90', 'standard', 'k', 'active', 0, 0)",
      );
      const vip = db.prepare("INSERT INTO member_vip (member_id, card_valid_until, vip, updated_at) VALUES (?, ?, ?, 0)");
      for (const id of ["plain", "vip", "none"]) insert.run(id, `C-${id}`);
      vip.run("plain", 1_800_000_000_000, null);
      vip.run(
        "vip",
        1_700_000_000_000,
        JSON.stringify({ classId: "vip-gold", expiresAt: 1_700_000_000_000, previousClass: "standard", previousValidUntil: 1_900_000_000_000 }),
      );
      migrate(db, all);
      const rows = db
        .prepare("SELECT member_id, card_valid_until FROM members ORDER BY member_id")
        .all<{ member_id: string; card_valid_until: number | null }>();
      expect(rows.map((r) => [r.member_id, r.card_valid_until === null ? null : Number(r.card_valid_until)])).toEqual([
        ["none", null],
        ["plain", 1_800_000_000_000],
        ["vip", 1_900_000_000_000],
      ]);
    } finally {
      if (pg) db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
