// How a priced receipt and a tender plan are stored by the kiosk and the hub: their lines as rows of values under one
// key list (30 lines x 22 keys written once, not 30 times), everything else as it is, so a reader gets back exactly
// what JSON of the original would have given, and the hub's SQL still reads the totals by their JSON paths.
import type { PricedCart } from "./rules/pricing-types.js";
import type { TenderPlan } from "./rules/tenders.js";

/**
 * Lines as [key list, rows...]: a row is a line's values in key-list order, or the line itself when it
 * has other keys. The key list is written out, or named when it is one of KEY_LISTS.
 */
export type CompactLines = [string[] | string, ...unknown[]];

/**
 * Key lists stored by name: a priced receipt line's 22 keys are about 300 bytes, a fifth of a
 * one- or two-line sale's stored receipt, written again for every sale. A stored row names a list for
 * good, so a list here never changes and a name is never reused: a line of another shape gets a new
 * name, or is written with its keys.
 */
const KEY_LISTS: Readonly<Record<string, readonly string[]>> = {
  "priced-line/1": [
    "index",
    "sku",
    "barcode",
    "name",
    "category",
    "qty",
    "unitPriceFen",
    "memberUnitPriceFen",
    "priceSource",
    "lineBaseFen",
    "lineMemberFen",
    "memberSavingsFen",
    "allocations",
    "orderDiscountFen",
    "lineTotalFen",
    "savingsFen",
    "pointsCashFen",
    "pointsRedeemed",
    "payableFen",
    "pointsRule",
    "pointsEarned",
    "pointsReturnable",
  ],
  "tender-line/1": ["index", "principalFen", "bonusFen", "externalFen"],
};
const KEY_LIST_NAMES = new Map(Object.entries(KEY_LISTS).map(([name, keys]) => [keys.join("\u0000"), name]));

function keyList(header: string[] | string): readonly string[] {
  if (typeof header !== "string") return header;
  const keys = KEY_LISTS[header];
  if (!keys) throw new Error(`stored lines name an unknown key list ${JSON.stringify(header)}`);
  return keys;
}

/**
 * A line whose keys are the key list, in its order, with no undefined value, is stored as its values;
 * any other line (a scale line among plain ones, say) is stored as it is. Either way JSON gives back
 * exactly what JSON.stringify of the lines would have.
 */
export function compactLines(lines: readonly object[]): CompactLines {
  const first = lines[0];
  const keys = first ? Object.keys(first) : [];
  const out: CompactLines = [KEY_LIST_NAMES.get(keys.join("\u0000")) ?? keys];
  for (const line of lines) {
    const record = line as Record<string, unknown>;
    const row: unknown[] = [];
    let regular = true;
    let i = 0;
    for (const k in record) {
      const v = record[k];
      if (k !== keys[i] || v === undefined) {
        regular = false;
        break;
      }
      row.push(v);
      i++;
    }
    out.push(regular && i === keys.length ? row : line);
  }
  return out;
}

export function expandLines(compact: CompactLines): unknown[] {
  const [header, ...rows] = compact;
  const keys = keyList(header);
  return rows.map((row) => {
    if (!Array.isArray(row)) return row;
    const line: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) line[keys[i] as string] = row[i];
    return line;
  });
}

/** Lines in either form: plain (objects, or none) or compact (the first element is the key list or its name; a line is an object). */
function linesOf(lines: unknown[]): unknown[] {
  return Array.isArray(lines[0]) || typeof lines[0] === "string" ? expandLines(lines as CompactLines) : lines;
}

/** The priced receipt as JSON text with compact lines (7.6 KB for a 30-line cart, against 16.3 KB as plain JSON). */
export function pricedCartText(priced: PricedCart): string {
  return JSON.stringify({ ...priced, lines: compactLines(priced.lines) });
}

/** Reads a receipt stored as JSON text, with compact lines or plain ones (rows written before). */
export function pricedCartOfText(text: string): PricedCart {
  const parsed = JSON.parse(text) as Omit<PricedCart, "lines"> & { lines: unknown[] };
  return { ...parsed, lines: linesOf(parsed.lines) } as PricedCart;
}

/** A tender plan (or none) as JSON text with compact lines. */
export function tenderPlanText(plan: TenderPlan | null | undefined): string {
  return plan ? JSON.stringify({ ...plan, lines: compactLines(plan.lines) }) : "null";
}

/** Reads a tender plan stored as JSON text (compact or plain lines; `null` when none was kept). */
export function tenderPlanOfText(text: string): TenderPlan | null {
  const parsed = JSON.parse(text) as (Omit<TenderPlan, "lines"> & { lines: unknown[] }) | null;
  return parsed === null ? null : ({ ...parsed, lines: linesOf(parsed.lines) } as TenderPlan);
}
