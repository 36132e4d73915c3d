// The batched member import (member-bulk.ts, issue 21) against the row-by-row path: the same files give the same members, profiles, level state, openings, ledger, changelog, audit rows, kiosk pushes and per-row errors.
import { describe, it, expect, afterEach } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { importFile, type ImportSummary } from "./import.js";
import { boWorld, type BoWorld } from "./test-kit.js";

const worlds: BoWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});

const key = (i: number): string => createHash("sha256").update(`bk${i}`).digest("base64url").slice(0, 43);
const HQ = { id: "u-hq", role: "hq-admin" };
const MGR = { id: "u-mgr1", role: "store-manager" };

/** An HQ file of `n` rows with bad rows of every kind spread through it (and across the batches of 500). */
function hqFile(n: number): string {
  const lines = [
    "memberId,cardId,name,levelId,cardClass,cardPublicKey,status,pointsBalance,balanceFen,birthday,phone,gender,cardIssuedOn,cumulativeSpendFen,cumulativeTopUpFen",
  ];
  for (let i = 1; i <= n; i++) {
    const c = {
      id: `B${i}`,
      card: `BC${i}`,
      name: `Batch ${i}`,
      level: i % 4 === 0 ? "l80" : "normal",
      cls: "standard",
      key: i % 10 === 3 ? "" : key(i), // keyless: a sealed key, activation later
      status: i % 50 === 7 ? "blocked" : "",
      points: i % 5 === 0 ? String(i) : "",
      balance: i % 3 === 0 ? String(i * 10) : "",
      birthday: i % 6 === 0 ? `0${(i % 9) + 1}-1${i % 9}` : "",
      phone: i % 2 === 0 ? `1380000${String(i).padStart(4, "0")}` : "",
      gender: i % 7 === 0 ? "female" : i % 7 === 1 ? "male" : "",
      issued: i % 11 === 0 ? "2020-03-01" : "",
      spend: i % 13 === 0 ? String(i * 100) : "",
      topUp: i % 17 === 0 ? String(i * 50) : "",
    };
    if (i % 97 === 0) c.name = ""; // INVALID_INPUT
    if (i % 89 === 0) c.id = `B${i - 1}`; // CONFLICT with the row before (same batch, mostly)
    if (i % 83 === 0) c.card = `BC${i - 2}`; // CONFLICT on the card id
    if (i % 79 === 0) c.balance = "-100"; // REFUSED (negative opening)
    if (i % 79 === 1 && i > 1) c.id = `B${i - 1}`; // takes the id of the refused row: imported
    if (i % 71 === 0) c.id = "PRE1"; // CONFLICT with a member already there
    if (i % 73 === 0) [c.id, c.balance] = ["PRE1", "-5"]; // negative and a clash: CONFLICT comes first
    if (i % 67 === 0) c.issued = "2099-01-01"; // INVALID_INPUT (after today)
    if (i % 61 === 0) c.level = "no-such-level"; // INVALID_INPUT
    if (i === 1250) c.id = "B5"; // CONFLICT with a row of an earlier batch
    if (i === 1251) c.card = "PREC1"; // CONFLICT with the existing member's card
    lines.push(
      [c.id, c.card, c.name, c.level, c.cls, c.key, c.status, c.points, c.balance, c.birthday, c.phone, c.gender, c.issued, c.spend, c.topUp].join(","),
    );
  }
  return lines.join("\n");
}

/** A store manager's file: no HQ-only columns, some rows clashing with the HQ import. */
function storeFile(n: number): string {
  const lines = ["memberId,cardId,name,cardPublicKey,phone,gender"];
  for (let i = 1; i <= n; i++) {
    let id = `S${i}`;
    if (i % 40 === 0) id = `B${i}`; // CONFLICT with an HQ-imported member
    if (i % 45 === 0) id = `S${i - 1}`; // CONFLICT inside the file
    lines.push(
      [id, `SC${i}`, i % 33 === 0 ? "" : `Store ${i}`, i % 4 === 1 ? "" : key(10_000 + i), i % 3 === 0 ? `139${i}0000` : "", i % 2 ? "male" : ""].join(","),
    );
  }
  return lines.join("\n");
}

async function world(): Promise<BoWorld> {
  const w = await boWorld();
  worlds.push(w);
  w.members.create({ memberId: "PRE1", cardId: "PREC1", name: "Already here", levelId: "normal", cardClass: "standard", cardPublicKey: key(0) });
  return w;
}

type Rows = Array<Record<string, unknown>>;

/** Everything an import writes, without ids and timestamps; the sealed card keys (random) as "sealed". */
function snapshot(w: BoWorld): Record<string, Rows> {
  const all = (sql: string): Rows => w.db.prepare(sql).all<Record<string, unknown>>();
  const keyless = new Set(all("SELECT member_id FROM member_profiles WHERE card_key_state = 'none'").map((r) => r.member_id));
  const sorted = (rows: Rows): Rows =>
    rows
      .map((r) => JSON.stringify(r))
      .sort()
      .map((s) => JSON.parse(s) as Record<string, unknown>);
  const sealed = (r: Record<string, unknown>): Record<string, unknown> => (keyless.has(r.member_id) ? { ...r, card_public_key: "sealed" } : r);
  return {
    members: sorted(
      all(`SELECT member_id, card_id, name, level_id, card_class, card_public_key, status, points_balance, balance_fen, bonus_balance_fen,
             vip_expires_at, base_card_class, headshot_hash, birthday, primary_member_id, coupons, stores FROM members`).map(sealed),
    ),
    profiles: sorted(
      all(`SELECT member_id, phone, gender, birth_date, home_store_id, channel, card_issued_on, card_key_state, headshot_uploaded_on, blocked_reason
           FROM member_profiles`),
    ),
    levels: sorted(all("SELECT member_id, level_since, growth, window_growth, dirty FROM member_levels")),
    openings: sorted(all("SELECT member_id, imported_on, spend_fen, top_up_fen FROM member_openings")),
    points: sorted(all("SELECT member_id, delta, reason, ref FROM points_log")),
    balance: sorted(all("SELECT member_id, delta_fen, bonus_delta_fen, reason, ref FROM balance_log")),
    changelog: sorted(all("SELECT member_id, kind, store_id FROM member_changes")),
    audit: sorted(
      all("SELECT actor, role, action, entity, entity_id, store_id, before, after, note FROM audit_log WHERE action = 'member.import'").map((r) => {
        const after = JSON.parse(String(r.after)) as Record<string, unknown>;
        if (keyless.has(r.entity_id)) after.cardPublicKey = "sealed";
        return { ...r, after };
      }),
    ),
    pushes: sorted(
      w.pushes.flat().map(({ storeId, change }) => {
        if (change.kind !== "upsert") return { storeId, kind: change.kind };
        const m = keyless.has(change.member.memberId) ? { ...change.member, cardPublicKey: "sealed" } : change.member;
        return { storeId, kind: change.kind, member: m };
      }),
    ),
  };
}

/** Every pushed change carries the seq of its changelog row. */
function expectPushedSeqs(w: BoWorld): void {
  const seqs = new Map(
    w.db
      .prepare("SELECT seq, member_id, store_id FROM member_changes")
      .all<{ seq: number; member_id: string; store_id: string | null }>()
      .map((r) => [`${r.member_id}/${r.store_id}`, Number(r.seq)]),
  );
  const pushed = w.pushes.flat();
  expect(pushed.length).toBeGreaterThan(0);
  for (const { storeId, change } of pushed) {
    const id = change.kind === "upsert" ? change.member.memberId : change.memberId;
    expect(change.seq).toBe(seqs.get(`${id}/${storeId}`));
  }
}

async function runImports(w: BoWorld, rowByRow: boolean): Promise<ImportSummary[]> {
  const hq = join(w.dir, "hq.csv");
  writeFileSync(hq, hqFile(1300));
  const store = join(w.dir, "store.csv");
  writeFileSync(store, storeFile(600));
  const d = w.bo.deps;
  return [
    await importFile(d, { path: hq, format: "csv", storeId: null, actor: HQ, hq: true, rowByRow }),
    await importFile(d, { path: store, format: "csv", storeId: "s1", actor: MGR, hq: false, rowByRow }),
  ];
}

const outcome = (s: ImportSummary) => ({ rows: s.rows, imported: s.imported, rejected: s.rejected, errors: s.errors });
const fellBack = (w: BoWorld): boolean => w.logs.messages().some((m) => m.includes("batch failed"));

describe("batched member import (issue 21)", () => {
  it("writes the same rows and reports the same per-row errors as the row-by-row path", async () => {
    const batched = await world();
    const rowByRow = await world();
    const a = await runImports(batched, false);
    const b = await runImports(rowByRow, true);
    expect(fellBack(batched)).toBe(false);
    expect(a.map(outcome)).toEqual(b.map(outcome));
    // The file has every kind of bad row, and the row after a refused one takes its id.
    const codes = new Set(a[0]!.errors.map((e) => e.code));
    expect([...codes].sort()).toEqual(["CONFLICT", "INVALID_INPUT", "REFUSED"]);
    expect(a[0]!.errors.find((e) => e.row === 74)).toMatchObject({ code: "CONFLICT" }); // row 73: negative and clashing
    expect(a[0]!.errors.find((e) => e.row === 80)).toMatchObject({ code: "REFUSED" });
    expect(batched.members.get("B79")).toMatchObject({ cardId: "BC80" }); // row 80's member id, taken by row 81
    expect(a[0]!.errors.find((e) => e.row === 1251)).toMatchObject({ code: "CONFLICT", message: "member B5 or card BC1250 already exists" });
    expect(a[1]!.errors.some((e) => e.code === "CONFLICT")).toBe(true);
    expect(a[0]!.imported).toBeGreaterThan(1100);
    const x = snapshot(batched);
    const y = snapshot(rowByRow);
    for (const table of Object.keys(y)) expect({ table, rows: x[table] }).toEqual({ table, rows: y[table] });
    expect(x.members!.length).toBe(1 + a[0]!.imported + a[1]!.imported);
    expect(x.balance!.length).toBeGreaterThan(300);
    expect(x.changelog!.filter((c) => c.store_id === "s1").length).toBe(a[1]!.imported);
    expectPushedSeqs(batched);
    expectPushedSeqs(rowByRow);
    // One push per batch on both paths.
    expect(batched.pushes.length).toBe(rowByRow.pushes.length);
  }, 120_000);

  it("a batch whose statements fail runs row by row, so the failing row gets its own error", async () => {
    const batched = await world();
    const rowByRow = await world();
    // A left-over opening row for B10 (no member): that member's insert into member_openings fails.
    for (const w of [batched, rowByRow])
      w.db.prepare("INSERT INTO member_openings (member_id, imported_on, spend_fen, top_up_fen, created_at) VALUES ('B10', '2024-01-01', 0, 0, 0)").run();
    const a = await runImports(batched, false);
    const b = await runImports(rowByRow, true);
    expect(fellBack(batched)).toBe(true);
    expect(fellBack(rowByRow)).toBe(false);
    expect(a.map(outcome)).toEqual(b.map(outcome));
    expect(a[0]!.errors.find((e) => e.row === 11)).toEqual({ row: 11, ok: false, code: "INTERNAL", message: "could not be stored" });
    expect(batched.members.get("B10")).toBeUndefined();
    expect(batched.members.get("B11")).toMatchObject({ name: "Batch 11" });
    const x = snapshot(batched);
    const y = snapshot(rowByRow);
    for (const table of Object.keys(y)) expect({ table, rows: x[table] }).toEqual({ table, rows: y[table] });
  }, 120_000);
});
