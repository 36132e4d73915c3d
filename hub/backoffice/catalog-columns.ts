// The catalog file's columns: header names (English and Chinese, one column per card class for class prices, a compact special points rule) and one row's cells onto the product it writes.
import { ProductSchema, type PointsRule, type Product } from "../../protocol/rules/config.js";
import { ImportError } from "../member-import.js";
import { describeIssues } from "../config-service.js";

export type Column =
  | "sku"
  | "barcode"
  | "name"
  | "category"
  | "brand"
  | "priceFen"
  | "memberPriceFen"
  | "plusPriceFen"
  | "price"
  | "memberPrice"
  | "plusPrice"
  | "promotional"
  | "paidMembersOnly"
  | "specialPoints";

/** A header cell: a fixed column, or one card class's price (`classPrice:<classId>` in yuan, `classPriceFen:<classId>` in fen). */
export type ColumnSpec = { col: Column } | { classId: string; fen: boolean };

const norm = (s: string): string => s.toLowerCase().replace(/[\s_-]/g, "");
/** Header names (case, spaces, `_` and `-` ignored) and their Chinese names; price/memberPrice/plusPrice are in yuan, *Fen in fen. */
const ALIASES: Record<Column, string[]> = {
  sku: ["sku", "商品编码", "货号", "编码"],
  barcode: ["barcode", "条码", "条形码"],
  name: ["name", "名称", "商品名称", "品名"],
  category: ["category", "分类", "类别", "品类"],
  brand: ["brand", "品牌"],
  priceFen: ["priceFen"],
  memberPriceFen: ["memberPriceFen"],
  plusPriceFen: ["plusPriceFen"],
  price: ["price", "售价", "零售价", "价格"],
  memberPrice: ["memberPrice", "会员价"],
  plusPrice: ["plusPrice", "PLUS价", "plus会员价"],
  promotional: ["promotional", "促销", "促销品"],
  paidMembersOnly: ["paidMembersOnly", "仅付费会员", "付费会员专享"],
  specialPoints: ["specialPoints", "特殊积分", "积分规则"],
};
const COLUMN_BY_NORM = new Map<string, Column>(Object.entries(ALIASES).flatMap(([c, names]) => names.map((n) => [norm(n), c as Column] as const)));
/** Prefixes of a class price column, before `:` (or `：`): yuan, or fen. */
const CLASS_PREFIX = new Map<string, boolean>([
  [norm("classPrice"), false],
  ["卡类价", false],
  ["卡类价格", false],
  [norm("classPriceFen"), true],
  ["卡类价分", true],
]);
const FEN_FIELD: Partial<Record<Column, "priceFen" | "memberPriceFen" | "plusPriceFen">> = {
  price: "priceFen",
  memberPrice: "memberPriceFen",
  plusPrice: "plusPriceFen",
  priceFen: "priceFen",
  memberPriceFen: "memberPriceFen",
  plusPriceFen: "plusPriceFen",
};
const TRUE = new Set(["true", "1", "yes", "y", "是", "√"]);
const FALSE = new Set(["false", "0", "no", "n", "否", ""]);

/** What one header cell is, or undefined for a name the catalog does not know. */
export function columnOf(header: string): ColumnSpec | undefined {
  const col = COLUMN_BY_NORM.get(norm(header));
  if (col) return { col };
  const m = /^([^:：]+)[:：](.+)$/.exec(header);
  const fen = m ? CLASS_PREFIX.get(norm(m[1]!)) : undefined;
  const classId = m?.[2]?.trim();
  return fen === undefined || !classId ? undefined : { classId, fen };
}

/** The product field a column writes (`classPricesFen.<classId>` for a class price). */
const fieldOf = (s: ColumnSpec): string => ("col" in s ? (FEN_FIELD[s.col] ?? s.col) : `classPricesFen.${s.classId}`);

/** Maps a header to columns; a name the catalog does not know (or one given twice) refuses the file. */
export function mapCatalogHeader(header: readonly string[]): Array<ColumnSpec | undefined> {
  const columns = header.map((h) => (h === "" ? undefined : columnOf(h)));
  const unknown = header.filter((h, i) => h !== "" && columns[i] === undefined);
  if (unknown.length > 0)
    throw new ImportError(
      "IMPORT_HEADER_INVALID",
      `unknown column(s): ${unknown.join(", ")} (a catalog file has ${Object.keys(ALIASES).join(", ")} and classPrice:<card class id>; prices in yuan as price/memberPrice/plusPrice/classPrice:<id> or in fen as *Fen)`,
    );
  const fields = columns.map((c) => (c ? fieldOf(c) : undefined));
  const twice = fields.find((f, i) => f !== undefined && fields.indexOf(f) !== i);
  if (twice) throw new ImportError("IMPORT_HEADER_INVALID", `column ${twice} is given twice`);
  for (const need of ["sku", "name", "category", "priceFen"] as const)
    if (!fields.includes(need)) throw new ImportError("IMPORT_HEADER_INVALID", `missing column: ${need === "priceFen" ? "price (yuan) or priceFen" : need}`);
  return columns;
}

/** Yuan as written in a sheet ("59.9", "59.90", "¥1,299.00") to fen, exactly (no float rounding). */
function yuanToFen(v: string): number | undefined {
  const m = /^¥?\s*(\d{1,13})(?:\.(\d{1,2}))?$/.exec(v.replace(/,/g, ""));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

const fenOf = (v: string, fen: boolean): number | undefined => (fen ? (/^\d{1,15}$/.test(v) ? Number(v) : undefined) : yuanToFen(v));
const amountMessage = (fen: boolean): string => (fen ? "not a whole number of fen" : "not an amount in yuan (like 59.90)");

const POINTS_KIND = new Map<string, PointsRule["kind"]>([
  ["none", "none"],
  ["不积分", "none"],
  ["无积分", "none"],
  ["fixed", "fixed"],
  ["固定", "fixed"],
  ["percent", "percent"],
  ["比例", "percent"],
  ["百分比", "percent"],
  ["peramount", "per-amount"],
  ["每金额", "per-amount"],
]);
export const SPECIAL_POINTS_FORMS =
  "none, fixed:<points>, percent:<percent> or per-amount:<fen per point> (不积分, 固定:5, 比例:5, 每金额:10000), or the rule as JSON";

/**
 * A special points rule as written in a cell: `none`, `fixed:5` (point units per unit sold),
 * `percent:5` (percent of the yuan paid), `per-amount:10000` (fen paid per point), Chinese kinds
 * too (不积分, 固定:5, 比例:5, 每金额:10000), or the rule as JSON. The numbers are checked by the
 * product schema afterwards.
 */
export function parseSpecialPoints(v: string): unknown {
  if (v.startsWith("{")) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  }
  const m = /^([^:：=]+?)\s*(?:[:：=]\s*(\d{1,15})\s*%?)?$/.exec(v);
  const kind = m ? POINTS_KIND.get(norm(m[1]!)) : undefined;
  if (!m || !kind) return undefined;
  const n = m[2] === undefined ? undefined : Number(m[2]);
  if (kind === "none") return n === undefined ? { kind } : undefined;
  if (n === undefined) return undefined;
  return kind === "fixed" ? { kind, points: n } : kind === "percent" ? { kind, percent: n } : { kind, fenPerPoint: n };
}

export type CellsResult = { ok: true; item: Product } | { ok: false; field?: string; message: string };

/**
 * One row's cells onto the item it updates (an existing sku keeps what the file has no column
 * for, a card class's price included when the file has no column for that class); an empty cell
 * clears an optional field (a class price cell: that class's price). With `cardClasses`, a price
 * for a class not in it is refused (field `classPricesFen.<classId>`).
 */
export function catalogItemFromCells(
  cells: Readonly<Record<string, string>>,
  existing: ReadonlyMap<string, Product>,
  cardClasses?: ReadonlySet<string>,
): CellsResult {
  const set: Record<string, unknown> = {};
  const cleared: string[] = [];
  const classPrices = new Map<string, number | undefined>();
  for (const [header, raw] of Object.entries(cells)) {
    const spec = columnOf(header);
    if (!spec) continue;
    const v = raw.trim();
    if (!("col" in spec)) {
      const field = `classPricesFen.${spec.classId}`;
      if (v === "") {
        classPrices.set(spec.classId, undefined);
        continue;
      }
      if (cardClasses && !cardClasses.has(spec.classId))
        return { ok: false, field, message: `unknown card class '${spec.classId}' (card classes: ${[...cardClasses].join(", ") || "none"})` };
      const fen = fenOf(v, spec.fen);
      if (fen === undefined) return { ok: false, field, message: amountMessage(spec.fen) };
      classPrices.set(spec.classId, fen);
      continue;
    }
    const col = spec.col;
    const fenField = FEN_FIELD[col];
    if (fenField) {
      if (v === "") {
        cleared.push(fenField);
        continue;
      }
      const fen = fenOf(v, col.endsWith("Fen"));
      if (fen === undefined) return { ok: false, field: fenField, message: amountMessage(col.endsWith("Fen")) };
      set[fenField] = fen;
    } else if (col === "promotional" || col === "paidMembersOnly") {
      const b = v.toLowerCase();
      if (!TRUE.has(b) && !FALSE.has(b)) return { ok: false, field: col, message: "expected yes/no (是/否, true/false, 1/0)" };
      set[col] = TRUE.has(b);
    } else if (col === "specialPoints") {
      if (v === "") cleared.push(col);
      else {
        const rule = parseSpecialPoints(v);
        if (rule === undefined) return { ok: false, field: col, message: `expected ${SPECIAL_POINTS_FORMS}` };
        set[col] = rule;
      }
    } else if (v === "") cleared.push(col);
    else set[col] = v;
  }
  const sku = typeof set.sku === "string" ? set.sku : undefined;
  const base: Record<string, unknown> = { ...((sku !== undefined ? existing.get(sku) : undefined) ?? {}) };
  for (const f of cleared) delete base[f];
  if (classPrices.size > 0) {
    const prices: Record<string, number> = { ...((base.classPricesFen as Record<string, number> | undefined) ?? {}) };
    for (const [id, fen] of classPrices) {
      if (fen === undefined) delete prices[id];
      else prices[id] = fen;
    }
    set.classPricesFen = prices;
  }
  const parsed = ProductSchema.safeParse({ ...base, ...set });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, ...(issue?.path.length ? { field: issue.path.map(String).join(".") } : {}), message: describeIssues(parsed.error.issues) };
  }
  return { ok: true, item: parsed.data };
}
