// Bulk import over HTTP: 100,000 CSV rows with bad rows mixed in (per-row errors, no partial rows, batched kiosk pushes), XLSX, refused uploads, store-manager scope and HQ-only columns, opening money through the ledger.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { generateKeyPair } from "../../protocol/signing.js";
import { boWorld, writeMemberCsv, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

interface Summary {
  rows: number;
  imported: number;
  rejected: number;
  rowsPerSecond: number;
  errors: Array<{ row: number; code: string; message: string }>;
}

async function upload(path: string, type: string, query = "", token = w.tokens.hq): Promise<{ status: number; body: Summary & { error?: string } }> {
  const res = await w.app.request(`/bo/members/import${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Summary & { error?: string } };
}

describe("member import", () => {
  // 100,000 rows on both engines: a batch of 500 rows is one statement per table (member-bulk.ts), so
  // PostgreSQL's round trips no longer count per row (README "Scaling out").
  const ROWS = 100_000;
  it(`imports ${ROWS} CSV rows, rejecting exactly the bad ones with their row numbers`, async () => {
    const file = join(w.dir, "members.csv");
    const fx = writeMemberCsv(file, ROWS);
    const pushesBefore = w.pushes.length;
    const res = await upload(file, "text/csv", "?storeId=s1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: ROWS, rejected: fx.bad, imported: ROWS - fx.bad });
    expect(res.body.errors.map((e) => [e.row, e.code])).toEqual([...fx.badRows.entries()].sort((a, b) => a[0] - b[0]));
    expect(res.body.errors.find((e) => e.code === "CONFLICT")?.message).toMatch(/already exists/);
    process.stdout.write(`member import: ${res.body.rows} rows at ${res.body.rowsPerSecond} rows/s\n`);
    // No partial rows: every imported member is complete, nothing of a rejected row exists.
    const count = (sql: string): number => w.db.prepare(sql).get<{ n: number }>()?.n ?? 0;
    expect(count("SELECT COUNT(*) AS n FROM members")).toBe(ROWS - fx.bad);
    expect(count("SELECT COUNT(*) AS n FROM member_profiles WHERE channel = 'import' AND home_store_id = 's1'")).toBe(ROWS - fx.bad);
    expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'member.import'")).toBe(ROWS - fx.bad);
    expect(count("SELECT COUNT(*) AS n FROM members WHERE member_id = 'IM100'")).toBe(0); // row 100 had no name
    expect(w.members.get("IM99")).toMatchObject({ name: "Member 99", pointsBalance: 99, cardId: "IC99" });
    // Opening points and balances went through the ledger: the member rows equal the sums of their logs.
    expect(
      count(
        "SELECT COUNT(*) AS n FROM members m WHERE m.balance_fen <> COALESCE((SELECT SUM(delta_fen) FROM balance_log b WHERE b.member_id = m.member_id), 0)",
      ),
    ).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM balance_log WHERE reason = 'import'")).toBeGreaterThan(0);
    // One push to the kiosks per batch of 500, not one per member.
    const pushes = w.pushes.slice(pushesBefore);
    expect(pushes.length).toBeLessThanOrEqual(Math.ceil(ROWS / 500));
    expect(pushes.reduce((n, p) => n + p.length, 0)).toBe(ROWS - fx.bad);
  }, 180_000);

  it("imports XLSX, and a store manager only for their store", async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("members");
    sheet.addRow(["Member ID", "Card ID", "Name", "Level ID", "Card Class", "Card Public Key", "Points Balance"]);
    for (let i = 1; i <= 20; i++)
      sheet.addRow([`X${i}`, `XC${i}`, `Xlsx ${i}`, i === 7 ? "gold?" : "normal", "standard", generateKeyPair().publicKey, i === 9 ? "lots" : ""]);
    const file = join(w.dir, "members.xlsx");
    await wb.xlsx.writeFile(file);
    const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    expect((await upload(file, xlsx, "?storeId=s2", w.tokens.mgr1)).status).toBe(403);
    expect((await upload(file, xlsx, "", w.tokens.mgr1)).status).toBe(403);
    expect((await upload(file, xlsx, "?storeId=s1", w.tokens.staff1)).status).toBe(403);
    const res = await upload(file, xlsx, "?storeId=s1", w.tokens.mgr1);
    expect(res.body).toMatchObject({ rows: 20, imported: 18, rejected: 2 });
    expect(res.body.errors.map((e) => e.row)).toEqual([8, 10]);
    expect(w.members.get("X1")).toMatchObject({ name: "Xlsx 1", pointsBalance: 0 });
    expect(w.members.storesOf("X1")).toEqual(["s1"]);
  });

  it("a store manager's import: members of their store only, no HQ-only column (issue 13, finding 10)", async () => {
    const key = () => generateKeyPair().publicKey;
    const csv = [
      "memberId,cardId,name,cardPublicKey,levelId,cardClass,pointsBalance,balanceFen,vipExpiresAt",
      `S1,SC1,Plain,${key()},,,,,`,
      // Each of these is a valid row for HQ; only the one HQ-only value makes it a store manager's overreach.
      `S2,SC2,Level,${key()},l80,standard,,,`,
      `S3,SC3,Class,${key()},normal,vip-gold,,,`,
      `S4,SC4,Points,${key()},normal,standard,500,,`,
      `S5,SC5,Money,${key()},normal,standard,,100000,`,
      `S6,SC6,Vip,${key()},normal,standard,,,2030-01-01`,
      `S7,SC7,Defaults,${key()},normal,standard,,,`,
    ].join("\n");
    const file = join(w.dir, "mgr.csv");
    writeFileSync(file, csv);
    const res = await upload(file, "text/csv", "?storeId=s1", w.tokens.mgr1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 7, imported: 2, rejected: 5 });
    expect(res.body.errors.map((e) => [e.row, e.code, e.message.split(":")[0]])).toEqual([
      [3, "FORBIDDEN", "levelId"],
      [4, "FORBIDDEN", "cardClass"],
      [5, "FORBIDDEN", "pointsBalance"],
      [6, "FORBIDDEN", "balanceFen"],
      [7, "FORBIDDEN", "vipExpiresAt"],
    ]);
    for (const id of ["S1", "S7"]) {
      expect(w.members.get(id)).toMatchObject({ levelId: "normal", cardClass: "standard", pointsBalance: 0, balanceFen: 0 });
      expect(w.members.storesOf(id)).toEqual(["s1"]);
    }
    for (const id of ["S2", "S3", "S4", "S5", "S6"]) expect(w.members.get(id)).toBeUndefined();
    // The other store's manager does not see them.
    expect((await w.call("GET", "/bo/members/S1", { token: w.tokens.mgr2 })).status).toBe(403);
  });

  it("an HQ import writes opening balances and points through the money ledger (issue 13, finding 10)", async () => {
    const key = () => generateKeyPair().publicKey;
    const csv = [
      "memberId,cardId,name,cardPublicKey,levelId,cardClass,pointsBalance,balanceFen",
      `H1,HC1,Opening,${key()},l80,standard,120,5000`,
      `H2,HC2,Negative,${key()},normal,standard,,-100`,
      `H3,HC3,Nothing,${key()},normal,standard,,`,
    ].join("\n");
    const file = join(w.dir, "hq.csv");
    writeFileSync(file, csv);
    const res = await upload(file, "text/csv");
    expect(res.body).toMatchObject({ rows: 3, imported: 2, rejected: 1 });
    expect(res.body.errors).toEqual([expect.objectContaining({ row: 3, code: "REFUSED" })]);
    expect(w.members.get("H2")).toBeUndefined();
    expect(w.members.get("H1")).toMatchObject({ levelId: "l80", pointsBalance: 120, balanceFen: 5000 });
    const log = (table: string, col: string, id: string) =>
      w.db.prepare(`SELECT reason, ${col} AS d FROM ${table} WHERE member_id = ?`).all<{ reason: string; d: number }>(id);
    expect(log("balance_log", "delta_fen", "H1")).toEqual([{ reason: "import", d: 5000 }]);
    expect(log("points_log", "delta", "H1")).toEqual([{ reason: "import", d: 120 }]);
    expect(log("balance_log", "delta_fen", "H3")).toEqual([]);
    // The admin JSON route (hubctl members import) goes through the ledger too.
    const json = await w.app.request("/members/import", {
      method: "POST",
      headers: { authorization: `Bearer ${w.tokens.hq}`, "content-type": "application/json" },
      body: JSON.stringify({
        rows: [
          { row: 2, member: { memberId: "J1", cardId: "JC1", name: "Json", levelId: "normal", cardClass: "standard", cardPublicKey: key(), balanceFen: 700 } },
        ],
      }),
    });
    expect(await json.json()).toMatchObject({ imported: 1 });
    expect(log("balance_log", "delta_fen", "J1")).toEqual([{ reason: "import", d: 700 }]);
    // Every member's balance and points are the sums of their logs.
    const drift = w.db
      .prepare(
        `SELECT COUNT(*) AS n FROM members m WHERE m.balance_fen <> COALESCE((SELECT SUM(delta_fen) FROM balance_log b WHERE b.member_id = m.member_id), 0)
           OR m.points_balance <> COALESCE((SELECT SUM(delta) FROM points_log p WHERE p.member_id = m.member_id), 0)`,
      )
      .get<{ n: number }>()?.n;
    expect(drift).toBe(0);
  });

  it("refuses files it cannot read and content types it does not take", async () => {
    const bad = join(w.dir, "bad.csv");
    writeMemberCsv(bad, 1);
    const text = readFileSync(bad, "utf8").replace(",name,", ",colour,"); // name is required (cardPublicKey no longer is)
    const req = (body: string, type: string, query = "") =>
      w.app.request(`/bo/members/import${query}`, { method: "POST", headers: { authorization: `Bearer ${w.tokens.hq}`, "content-type": type }, body });
    const header = await req(text, "text/csv");
    expect(header.status).toBe(400);
    expect(((await header.json()) as { reason: string }).reason).toBe("IMPORT_HEADER_INVALID");
    expect((await req("", "text/csv")).status).toBe(400);
    expect((await req("a,b", "application/json")).status).toBe(415);
    expect((await req("a,b", "application/octet-stream")).status).toBe(400);
    await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { import: { maxBytes: 1024 } } });
    expect((await req("x".repeat(5000), "text/csv")).status).toBe(413);
  });
});
