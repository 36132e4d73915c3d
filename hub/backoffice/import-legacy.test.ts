// Import from an old system (issue 16): Chinese headers, phone/gender/birth and issue dates on the profile, opening money through the ledger, cumulative figures in the level metrics, members without a card key, HQ-only columns, and an old issue date not counted as new.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { generateKeyPair } from "../../protocol/signing.js";
import { ACTIVATION_CARD } from "../../protocol/member-proof.js";
import { memberProof } from "../app/proof.testkit.js";
import { computePortraits } from "../jobs/portraits.js";
import { columnOf, parseDay, readCell } from "../member-import-columns.js";
import { memberPortraits } from "../../protocol/rules/portraits.js";
import { classifyConsultantSale } from "../../protocol/rules/consultant.js";
import { PortraitThresholdsSchema, ConsultantSettingsSchema } from "../../protocol/rules/config-members.js";
import { boWorld, insertSale, T0, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

interface Summary {
  rows: number;
  imported: number;
  rejected: number;
  ignoredColumns: string[];
  errors: Array<{ row: number; code: string; message: string }>;
}

async function upload(body: string | Uint8Array, type: string, query = "", token = w.tokens.hq): Promise<{ status: number; body: Summary }> {
  const res = await w.app.request(`/bo/members/import${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body,
  });
  return { status: res.status, body: (await res.json()) as Summary };
}

/** What an old system's export looks like: Chinese headers, yuan with decimals, dates in several forms. */
const OLD_SYSTEM_CSV = [
  "会员编号,卡号,姓名,手机号,性别,生日,开卡日期,会员等级,会员类型,积分,余额(元),累计消费,累计充值,到期时间,备注",
  'L1,LC1,王芳,13800138001,女,1990/5/12,2019-03-01,Gold (90),VIP Gold,"1,200","1,234.50",8800.00,1500,2030-01-01,老会员',
  "L2,LC2,李雷,139-0013-8002,男,06-01,2024/6/1,,,,,,,,",
  "L3,LC3,张三,,未知,,,,,,,,,,",
  "L4,LC4,未来,13800138004,女,,2025-01-01,,,,,,,,开卡日期在将来",
  "L5,LC5,性别错,13800138005,x,,,,,,,,,,",
].join("\n");

const profileOf = async (id: string) => (await w.call("GET", `/bo/members/${id}`, { token: w.tokens.hq })).body.profile as Record<string, unknown>;

describe("import from an old system", () => {
  it("reads Chinese headers: profile fields, opening points and balance equal to the ledger, cumulative figures in the level metrics", async () => {
    const res = await upload(OLD_SYSTEM_CSV, "text/csv", "?storeId=s1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 5, imported: 3, rejected: 2, ignoredColumns: ["备注"] });
    expect(res.body.errors.map((e) => [e.row, e.code, e.message.split(":")[0]])).toEqual([
      [5, "INVALID_INPUT", "cardIssuedOn"],
      [6, "INVALID_INPUT", "gender"],
    ]);
    expect(res.body.errors[1]!.message).toContain("性别");

    // The record the kiosks get: level and class matched by their names in the rules, yuan in fen, MM-DD birthday.
    expect(w.members.get("L1")).toMatchObject({
      name: "王芳",
      levelId: "l90",
      cardClass: "vip-gold",
      pointsBalance: 1200,
      balanceFen: 123450,
      birthday: "05-12",
      vipExpiresAt: Date.parse("2030-01-01"),
    });
    expect(await profileOf("L1")).toMatchObject({
      phone: "13800138001",
      gender: "female",
      birthDate: "1990-05-12",
      cardIssuedOn: "2019-03-01",
      channel: "import",
      homeStoreId: "s1",
      cardKeyState: "none",
    });
    expect(w.members.get("L2")).toMatchObject({ levelId: "normal", cardClass: "standard", birthday: "06-01", pointsBalance: 0 });
    expect(await profileOf("L2")).toMatchObject({ phone: "13900138002", gender: "male", birthDate: null, cardIssuedOn: "2024-06-01" });
    // No issue date in the file: the import day.
    expect(await profileOf("L3")).toMatchObject({ phone: null, gender: null, cardIssuedOn: "2024-06-15" });
    for (const id of ["L4", "L5"]) expect(w.members.get(id)).toBeUndefined();

    // Opening points and balance are the sums of the ledger.
    const sum = (table: string, col: string, id: string) =>
      Number(w.db.prepare(`SELECT COALESCE(SUM(${col}), 0) AS v FROM ${table} WHERE member_id = ? AND reason = 'import'`).get<{ v: number }>(id)?.v);
    expect(sum("points_log", "delta", "L1")).toBe(1200);
    expect(sum("balance_log", "delta_fen", "L1")).toBe(123450);

    // Cumulative spend and top-up from the old system are in the level metrics, and the hub's own sales add to them.
    const level = await w.call("GET", "/bo/members/L1/level", { token: w.tokens.staff1 });
    expect(level.status).toBe(200);
    expect(level.body.metrics).toMatchObject({ levelId: "l90", cumulativeSpendFen: 880000, cumulativeTopUpFen: 150000, points: 1200, balanceFen: 123450 });
    insertSale(w, { memberId: "L1", saleId: "after-import", at: T0 + 3_600_000, totalFen: 10000 });
    expect(((await w.call("GET", "/bo/members/L1/level", { token: w.tokens.hq })).body.metrics as Record<string, unknown>).cumulativeSpendFen).toBe(890000);
    expect((await w.call("GET", "/bo/members/L2/level", { token: w.tokens.hq })).body.metrics).toMatchObject({ cumulativeSpendFen: 0, cumulativeTopUpFen: 0 });
  });

  it("a member imported without a card key gets an activation link and enrols the app's key", async () => {
    await upload("会员编号,卡号,姓名,手机\nK1,KC1,无钥匙,13800000001\n", "text/csv", "?storeId=s1", w.tokens.mgr1);
    const sealed = w.members.get("K1")?.cardPublicKey;
    expect(sealed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await profileOf("K1")).toMatchObject({ cardKeyState: "none", phone: "13800000001" });
    const issued = await w.call("POST", "/bo/members/K1/activation", { token: w.tokens.staff1, body: {} });
    expect(issued.status).toBe(201);
    expect(issued.body.link).toBe(`http://localhost/app/#/activate/${issued.body.token as string}`);
    const phone = generateKeyPair();
    const text = JSON.stringify({ token: issued.body.token, publicKey: phone.publicKey });
    const ok = await w.call("POST", "/bo/app/activate", {
      token: null,
      headers: { authorization: memberProof(ACTIVATION_CARD, phone, "POST", "/bo/app/activate", text, w.clock.now()), "content-type": "application/json" },
      raw: text,
    });
    expect(ok.status).toBe(200);
    expect(w.members.get("K1")?.cardPublicKey).toBe(phone.publicKey);
    expect(await profileOf("K1")).toMatchObject({ cardKeyState: "enrolled" });
  });

  it("a store manager is refused on HQ-only columns, naming the column; phone and issue date are theirs to import", async () => {
    const csv = [
      "会员编号,卡号,姓名,手机,开卡日期,累计消费,累计充值,积分,余额,会员等级",
      "M1,MC1,可以,13800000011,2018-07-01,,,,,",
      "M2,MC2,累计消费,13800000012,,100.00,,,,",
      "M3,MC3,累计充值,13800000013,,,200,,,",
      "M4,MC4,积分,13800000014,,,,50,,",
      "M5,MC5,余额,13800000015,,,,,9.90,",
      "M6,MC6,等级,13800000016,,,,,,Gold (90)",
      "M7,MC7,默认等级,13800000017,,,,,,Normal",
    ].join("\n");
    const res = await upload(csv, "text/csv", "?storeId=s1", w.tokens.mgr1);
    expect(res.body).toMatchObject({ rows: 7, imported: 2, rejected: 5 });
    expect(res.body.errors.map((e) => [e.row, e.code, e.message.split(":")[0]])).toEqual([
      [3, "FORBIDDEN", "cumulativeSpendFen"],
      [4, "FORBIDDEN", "cumulativeTopUpFen"],
      [5, "FORBIDDEN", "pointsBalance"],
      [6, "FORBIDDEN", "balanceFen"],
      [7, "FORBIDDEN", "levelId"],
    ]);
    expect(res.body.errors[0]!.message).toContain("「累计消费」");
    expect(res.body.errors[0]!.message).toContain("only HQ may set cumulativeSpendFen");
    expect(await profileOf("M1")).toMatchObject({ phone: "13800000011", cardIssuedOn: "2018-07-01", homeStoreId: "s1" });
    expect(w.members.storesOf("M1")).toEqual(["s1"]);
    expect(w.members.get("M7")).toMatchObject({ levelId: "normal" });
    for (const id of ["M2", "M3", "M4", "M5", "M6"]) expect(w.members.get(id)).toBeUndefined();
    // HQ may import the same figures.
    const hq = await upload("会员编号,卡号,姓名,累计消费\nM2,MC2,累计消费,100.00\n", "text/csv", "?storeId=s1");
    expect(hq.body).toMatchObject({ imported: 1 });
    expect(((await w.call("GET", "/bo/members/M2/level", { token: w.tokens.hq })).body.metrics as Record<string, unknown>).cumulativeSpendFen).toBe(10000);
  });

  it("an imported member with an old issue date is not new: portraits, segments and consultant multipliers", async () => {
    expect((await upload(OLD_SYSTEM_CSV, "text/csv", "?storeId=s1")).body.imported).toBe(3);
    await computePortraits(w.bo.deps, "2024-06-15");
    const find = async (q: string) =>
      ((await w.call("GET", `/bo/members?${q}`, { token: w.tokens.hq })).body.members as Array<{ memberId: string }>).map((m) => m.memberId);
    // L1's card is from 2019; L2's from 2024-06-01 (14 days); L3 has none in the file (the import day).
    expect(await find("tags=new")).toEqual(["L2", "L3"]);
    const counts = await w.call("GET", "/bo/segments/portraits?storeId=s1", { token: w.tokens.mgr1 });
    expect(counts.body.tags).toMatchObject({ new: 2, "stored-value-lover": 1 });
    // Not 'lost' on the day of the import either: the hub knows their purchases from the import day on.
    const l1 = (await w.call("GET", "/bo/members/L1", { token: w.tokens.hq })).body.portraits as { frequency: string; tags: string[] };
    expect(l1.frequency).toBe("none");
    expect(l1.tags).toEqual(["stored-value-lover"]);
    expect(await find("issuedTo=2019-12-31")).toEqual(["L1"]);

    // Consultant multipliers: L1's first purchase in the hub is not "new" (nor "lost won back"), L2's is new.
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c1", name: "c1", storeId: "s1" } })).status).toBe(201);
    for (const id of ["L1", "L2"])
      expect((await w.call("PUT", `/bo/members/${id}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).status).toBe(200);
    insertSale(w, { memberId: "L1", saleId: "s-l1", at: T0 + 3_600_000, totalFen: 10000 });
    insertSale(w, { memberId: "L2", saleId: "s-l2", at: T0 + 3_600_000, totalFen: 10000 });
    const report = await w.call("GET", "/bo/reports/consultants?storeId=s1&month=2024-06", { token: w.tokens.mgr1 });
    const c1 = (report.body.consultants as Array<Record<string, unknown>>).find((c) => c.consultantId === "c1")!;
    expect(c1.salesByKind).toEqual({ other: 1, "new-first": 1 });
  });

  it("reads an XLSX export with date cells and Chinese headers", async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet("会员");
    sheet.addRow(["*会员编号", "卡号", "姓名（必填）", "手机号码", "出生日期", "发卡日期", "累计充值(元)"]);
    sheet.addRow(["X1", "XC1", "表格", 13800000021, new Date(Date.UTC(1985, 0, 2)), new Date(Date.UTC(2020, 10, 30)), 66.6]);
    const file = join(w.dir, "old.xlsx");
    await wb.xlsx.writeFile(file);
    const res = await upload(readFileSync(file), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.body.errors).toEqual([]);
    expect(res.body).toMatchObject({ rows: 1, imported: 1, rejected: 0 });
    expect(await profileOf("X1")).toMatchObject({ phone: "13800000021", birthDate: "1985-01-02", cardIssuedOn: "2020-11-30" });
    expect(w.members.get("X1")?.birthday).toBe("01-02");
    expect(((await w.call("GET", "/bo/members/X1/level", { token: w.tokens.hq })).body.metrics as Record<string, unknown>).cumulativeTopUpFen).toBe(6660);
  });

  it("refuses a file where two headers mean the same column", async () => {
    const res = await upload("会员编号,卡号,姓名,手机,手机号\nD1,DC1,重复,1,2\n", "text/csv");
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("手机, 手机号 all mean phone");
  });
});

describe("the column table", () => {
  it("matches headers with notes and required markers, reads yuan, dates and genders", () => {
    expect(columnOf("余额（元）")).toEqual({ field: "balanceFen", yuan: true });
    expect(columnOf("Balance Fen")).toEqual({ field: "balanceFen", yuan: false });
    expect(columnOf("*手机号(必填)")?.field).toBe("phone");
    expect(columnOf("颜色")).toBeUndefined();
    expect(readCell("balanceFen", true, "¥1,234.5")).toEqual({ value: 123450 });
    expect(readCell("balanceFen", false, "1234.5")).toEqual({ error: "balanceFen: not a whole number" });
    expect(readCell("cumulativeSpendFen", true, "-1")).toEqual({ error: "cumulativeSpendFen: may not be negative" });
    expect(readCell("pointsBalance", false, "120.00")).toEqual({ value: 120 });
    expect(
      ["2019-03-01", "2019/3/1", "2019.3.1", "20190301", "2019年3月1日", "2019-03-01 10:22:33", "2019-03-01T00:00:00.000Z", "43525"].map(parseDay),
    ).toEqual(Array(8).fill("2019-03-01"));
    expect(parseDay("2019-02-30")).toBeUndefined();
    expect(readCell("birthday", false, "3/3")).toHaveProperty("error");
    expect(readCell("birthday", false, "3月3日")).toEqual({ value: { birthday: "03-03" } });
    expect(readCell("gender", false, "女")).toEqual({ value: "female" });
    expect(readCell("gender", false, "保密")).toEqual({ value: null });
    expect(readCell("phone", false, "+86 138-0013-8000")).toEqual({ value: "+8613800138000" });
  });
});

describe("knownSince in the rules (the import day of a member from an old system)", () => {
  it("'lost' and the consultant's gap count from it; 'new' still from the card's issue", () => {
    const t = PortraitThresholdsSchema.parse({});
    const old = { cardIssuedOn: "2019-03-01" };
    expect(memberPortraits(t, old, "2024-06-15")).toMatchObject({ frequency: "lost", tags: [] });
    expect(memberPortraits(t, { ...old, knownSince: "2024-06-15" }, "2024-06-15")).toMatchObject({ frequency: "none", tags: [] });
    expect(memberPortraits(t, { ...old, knownSince: "2024-06-15" }, "2024-12-12").frequency).toBe("lost"); // 180 days later
    const s = ConsultantSettingsSchema.parse({});
    const member = { cardIssuedOn: "2019-03-01", previousPurchaseDates: [] };
    expect(classifyConsultantSale(s, member, "2024-06-16")).toBe("lost-won-back");
    expect(classifyConsultantSale(s, { ...member, knownSince: "2024-06-15" }, "2024-06-16")).toBe("other");
    expect(classifyConsultantSale(s, { cardIssuedOn: "2024-06-10", previousPurchaseDates: [], knownSince: "2024-06-15" }, "2024-06-16")).toBe("new-first");
  });
});
