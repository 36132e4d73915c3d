// Catalog import over HTTP: a good CSV (and XLSX) written into the draft layer and shown in the preview diff, class prices and special points columns, bad rows (an unknown card class too) listed with their row numbers and nothing written, unknown columns and too-large files refused, 50,000 items paged and searched.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { boWorld, FULL_RULES, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

interface Reply {
  status: number;
  body: Record<string, unknown> & { errors?: Array<{ row: number; field?: string; message: string }>; message?: string; reason?: string };
}

async function upload(data: string | Uint8Array, query = "", type = "text/csv", token = w.tokens.hq): Promise<Reply> {
  const res = await w.app.request(`/bo/config/catalog/import${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body: data,
  });
  return { status: res.status, body: (await res.json()) as Reply["body"] };
}

type Item = {
  sku: string;
  barcode?: string;
  name: string;
  category: string;
  brand?: string;
  priceFen: number;
  memberPriceFen?: number;
  classPricesFen?: Record<string, number>;
  specialPoints?: Record<string, unknown>;
};
const CATALOG = (FULL_RULES as unknown as { catalog: Item[] }).catalog;
const yuan = (fen: number | undefined): string => (fen === undefined ? "" : (fen / 100).toFixed(2));
/** The example catalog as a CSV (Chinese headers), with `edit` applied to each item first. */
function csv(edit: (p: Item) => Item | undefined = (p) => p, extra: string[] = []): string {
  const rows = CATALOG.map(edit)
    .filter((p): p is Item => p !== undefined)
    .map((p) => [p.sku, p.barcode ?? "", p.name, p.category, p.brand ?? "", yuan(p.priceFen), yuan(p.memberPriceFen)].join(","));
  return ["商品编码,条码,名称,分类,品牌,售价,会员价", ...rows, ...extra].join("\n");
}
const chainCatalog = (): Item[] | undefined => (w.configs.getLayer({ kind: "chain" })?.rules as { catalog?: Item[] } | undefined)?.catalog;

describe("catalog import", () => {
  it("writes a good CSV into the chain draft: prices changed, an item added, class prices kept; the preview lists the changed price", async () => {
    const res = await upload(csv((p) => (p.sku === "rice-5kg" ? { ...p, priceFen: 6290 } : p), ["tea-250g,,Green tea 250g,grocery,,35.5,"]));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: true, scope: "chain", rows: 11, items: 11, added: 1, changed: 1, removed: 0, unchanged: 9 });
    const cat = chainCatalog()!;
    expect(cat.find((p) => p.sku === "rice-5kg")).toMatchObject({ priceFen: 6290, memberPriceFen: 5490 });
    expect(cat.find((p) => p.sku === "tea-250g")).toMatchObject({ priceFen: 3550, name: "Green tea 250g" });
    // olive-oil-1l has class prices the file has no column for: kept.
    expect(cat.find((p) => p.sku === "olive-oil-1l")?.classPricesFen).toEqual(CATALOG.find((p) => p.sku === "olive-oil-1l")?.classPricesFen);
    // Not published, but the preview shows it.
    const preview = await w.call("POST", "/bo/config/preview", { body: { scope: "chain", storeId: "s1" } });
    const paths = (preview.body as { diff: { changes: Array<{ path: string; before: unknown; after: unknown }> } }).diff.changes;
    expect(paths).toContainEqual(expect.objectContaining({ path: "rules.catalog[rice-5kg].priceFen", before: 5990, after: 6290 }));
    expect(paths.map((c) => c.path)).toContain("rules.catalog[tea-250g]");
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'config.catalog-import'").get<{ n: number }>()?.n).toBe(1);
  });

  it("lists every bad row with its row number and field, and writes nothing", async () => {
    const text = csv(
      (p) => p,
      [
        "bad-price,,Bad price,grocery,,12.345,", // row 12
        "bad-code,6901234560010,Bad barcode,grocery,,1.00,", // row 13: check digit
        "rice-5kg,,Again,grocery,,1.00,", // row 14: duplicate sku
        ",,No sku,grocery,,1.00,", // row 15
        "ok-item,,Fine,grocery,,2.00,", // row 16
      ],
    );
    const res = await upload(text);
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe("CATALOG_ROWS_INVALID");
    expect(res.body.errors!.map((e) => [e.row, e.field])).toEqual([
      [12, "priceFen"],
      [13, "barcode"],
      [14, "sku"],
      [15, "sku"],
    ]);
    expect(res.body.errors![2]!.message).toContain("row 2");
    expect(res.body).toMatchObject({ rows: 15, rejected: 4 });
    expect(w.configs.getLayer({ kind: "chain" })).toBeUndefined();
  });

  it("refuses an unknown column (named) and a catalog that breaks a cross-check, writing nothing", async () => {
    const unknown = await upload("sku,name,category,price,colour\na,A,c,1.00,red");
    expect(unknown.status).toBe(400);
    expect(unknown.body.reason).toBe("IMPORT_HEADER_INVALID");
    expect(unknown.body.message).toContain("colour");
    const missing = await upload("sku,name,category\na,A,c");
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("price");
    // milk-1l is the free item of a coupon: a catalog without it is refused, naming the coupon field.
    const broken = await upload(csv((p) => (p.sku === "milk-1l" ? undefined : p)));
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/rules\.coupons\.\d+\.sku/);
    expect(w.configs.getLayer({ kind: "chain" })).toBeUndefined();
  });

  it("imports class prices (one column per card class, yuan or fen) and special points; an empty cell clears one; the preview lists them", async () => {
    const text = [
      "sku,name,category,price,classPrice:vip-gold,卡类价：vip-diamond,积分规则",
      "olive-oil-1l,Olive oil 1L,grocery,89.00,75.00,,percent:3",
      "gift-box,Festival gift box,gifts,199.00,,180,",
      "rice-5kg,Northeast rice 5kg,grocery,59.90,52.5,,固定:2",
      "milk-1l,Fresh milk 1L,dairy,12.50,,,每金额:1000",
      "yogurt-6,Yogurt 6-pack,dairy,18.90,,,不积分",
    ].join("\n");
    const res = await upload(text, "?mode=upsert");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: 10, added: 0, changed: 5, removed: 0 });
    const cat = new Map(chainCatalog()!.map((p) => [p.sku, p]));
    expect(cat.get("olive-oil-1l")).toMatchObject({ classPricesFen: { "vip-gold": 7500 }, specialPoints: { kind: "percent", percent: 3 }, plusPriceFen: 7500 });
    expect(cat.get("olive-oil-1l")?.classPricesFen).not.toHaveProperty("vip-diamond");
    expect(cat.get("gift-box")?.classPricesFen).toEqual({ "vip-diamond": 18000 });
    expect(cat.get("gift-box")).not.toHaveProperty("specialPoints");
    expect(cat.get("rice-5kg")).toMatchObject({ memberPriceFen: 5490, classPricesFen: { "vip-gold": 5250 }, specialPoints: { kind: "fixed", points: 2 } });
    expect(cat.get("milk-1l")?.specialPoints).toEqual({ kind: "per-amount", fenPerPoint: 1000 });
    expect(cat.get("yogurt-6")?.specialPoints).toEqual({ kind: "none" });
    const preview = await w.call("POST", "/bo/config/preview", { body: { scope: "chain", storeId: "s1" } });
    const changes = (preview.body as { diff: { changes: Array<{ path: string; before?: unknown; after?: unknown }> } }).diff.changes;
    expect(changes).toContainEqual({ path: "rules.catalog[olive-oil-1l].classPricesFen.vip-gold", before: 7900, after: 7500 });
    expect(changes).toContainEqual({ path: "rules.catalog[olive-oil-1l].classPricesFen.vip-diamond", before: 7600 });
    expect(changes).toContainEqual({ path: "rules.catalog[rice-5kg].classPricesFen.vip-gold", after: 5250 });
    expect(changes).toContainEqual({ path: "rules.catalog[gift-box].specialPoints", before: { kind: "fixed", points: 5 } });
    expect(changes).toContainEqual({ path: "rules.catalog[olive-oil-1l].specialPoints", after: { kind: "percent", percent: 3 } });

    // XLSX, fen columns, JSON rule: the same fields.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("catalog");
    ws.addRow(["sku", "name", "category", "priceFen", "classPriceFen:vip-diamond", "specialPoints"]);
    ws.addRow(["olive-oil-1l", "Olive oil 1L", "grocery", 8900, 7000, '{"kind":"fixed","points":7}']);
    const file = join(w.dir, "classes.xlsx");
    await wb.xlsx.writeFile(file);
    const x = await upload(readFileSync(file), "?mode=upsert", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(x.status).toBe(200);
    expect(chainCatalog()!.find((p) => p.sku === "olive-oil-1l")).toMatchObject({
      classPricesFen: { "vip-gold": 7500, "vip-diamond": 7000 },
      specialPoints: { kind: "fixed", points: 7 },
    });
  });

  it("refuses a class price for an unknown card class, a bad class price and a bad points rule, naming row and field; the header twice", async () => {
    const text = [
      "sku,name,category,price,classPrice:vip-gold,classPrice:vip-platinum,specialPoints",
      "a,A,grocery,1.00,0.90,,fixed:1", // row 2: fine (an empty cell for an unknown class clears nothing)
      "b,B,grocery,1.00,,0.80,", // row 3: unknown card class
      "c,C,grocery,1.00,9.999,,", // row 4: not yuan
      "d,D,grocery,1.00,,,double:2", // row 5: no such kind
      "e,E,grocery,1.00,,,per-amount:0", // row 6: the schema's positive fen
    ].join("\n");
    const res = await upload(text);
    expect(res.status).toBe(422);
    expect(res.body.errors!.map((e) => [e.row, e.field])).toEqual([
      [3, "classPricesFen.vip-platinum"],
      [4, "classPricesFen.vip-gold"],
      [5, "specialPoints"],
      [6, "specialPoints.fenPerPoint"],
    ]);
    expect(res.body.errors![0]!.message).toContain("unknown card class 'vip-platinum'");
    expect(res.body.errors![0]!.message).toContain("vip-gold");
    expect(res.body.errors![2]!.message).toContain("fixed:<points>");
    expect(w.configs.getLayer({ kind: "chain" })).toBeUndefined();
    const twice = await upload("sku,name,category,price,classPrice:vip-gold,classPriceFen:vip-gold\na,A,c,1.00,1.00,100");
    expect(twice.status).toBe(400);
    expect(twice.body.message).toContain("classPricesFen.vip-gold is given twice");
    const unknown = await upload("sku,name,category,price,classPrize:vip-gold\na,A,c,1.00,1.00");
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain("classPrize:vip-gold");
  });

  it("refuses a file over the size limit, a chain import by a store manager and a wrong content type", async () => {
    expect((await upload(csv(), "", "text/csv", w.tokens.mgr1)).status).toBe(403);
    expect((await upload(csv(), "", "application/json")).status).toBe(415);
    expect((await upload(csv(), "", "application/octet-stream")).status).toBe(400);
    expect((await upload("", "")).status).toBe(400);
    await w.call("PUT", "/bo/settings", { body: { import: { maxBytes: 1024 } } });
    const big = await upload(
      csv(
        (p) => p,
        Array.from({ length: 40 }, (_v, i) => `x${i},,Item ${i},grocery,,1.00,`),
      ),
    );
    expect(big.status).toBe(413);
    expect(w.configs.getLayer({ kind: "chain" })).toBeUndefined();
  });

  it("imports an XLSX into a store's overrides (upsert) for its store manager; only that store's draft changes", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("catalog");
    ws.addRow(["sku", "name", "category", "priceFen", "promotional"]);
    ws.addRow(["milk-1l", "Fresh milk 1L", "dairy", 1190, "是"]);
    ws.addRow(["bread", "Bread", "bakery", 890, "no"]);
    const file = join(w.dir, "c.xlsx");
    await wb.xlsx.writeFile(file);
    const res = await upload(readFileSync(file), "?storeId=s1&mode=upsert", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", w.tokens.mgr1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: "store", items: 11, added: 1, changed: 1, removed: 0 });
    const store = (w.configs.getLayer({ kind: "store", storeId: "s1" })?.rules as { catalog?: Item[] } | undefined)?.catalog ?? [];
    expect(store.find((p) => p.sku === "milk-1l")).toMatchObject({ priceFen: 1190, promotional: true, barcode: "6901234560022" });
    expect(w.configs.getLayer({ kind: "chain" })).toBeUndefined();
    expect((await upload(readFileSync(file), "?storeId=s2", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", w.tokens.mgr1)).status).toBe(
      403,
    );
  });

  it("imports 50,000 items and serves them a page at a time, searchable", async () => {
    const lines = ["sku,name,category,price"];
    for (let i = 0; i < 50_000; i++) lines.push(`sku-${i},Item ${i},cat-${i % 40},${(i % 900) + 1}.90`);
    const keep = CATALOG.map((p) => `${p.sku},${p.name},${p.category},${yuan(p.priceFen)}`);
    const t0 = performance.now();
    const res = await upload([...lines, ...keep].join("\n"));
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: 50_010, added: 50_000 });
    process.stdout.write(`catalog import: 50,010 items in ${Math.round(ms)} ms\n`);
    const page = await w.call("GET", "/bo/config/catalog?offset=100&limit=50");
    expect(page.body).toMatchObject({ total: 50_010, offset: 100, own: true });
    expect((page.body as { items: Item[] }).items.map((p) => p.sku)).toEqual(Array.from({ length: 50 }, (_v, i) => `sku-${100 + i}`));
    const found = await w.call("GET", "/bo/config/catalog?q=item%2049999");
    expect((found.body as { total: number; items: Item[] }).items.map((p) => p.sku)).toEqual(["sku-49999"]);
    // s1 has no catalog of its own: it inherits the chain draft's.
    const s1 = await w.call("GET", "/bo/config/catalog?storeId=s1&limit=1", { token: w.tokens.mgr1 });
    expect(s1.body).toMatchObject({ total: 50_010, own: false });
  }, 60_000);
});
