// Tag-list editors for record and range fields of the rules: key -> value records (per-category percents, prices by card class, PLU -> sku) as `key=value` tags with numbers, yuan (stored as fen) or text values, and by-balance downgrade ranges as `min-max=level` tags in yuan.
import { Select } from "antd";

export type KvValue = "number" | "yuan" | "text";
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The record as `key=value` tags (yuan shown with two decimals). */
export function kvTags(v: unknown, unit: KvValue): string[] {
  if (!isObj(v)) return [];
  return Object.entries(v).map(([k, x]) => `${k}=${unit === "yuan" && typeof x === "number" ? (x / 100).toFixed(2) : String(x)}`);
}

/** The `key=value` tags as a record; a value that is not a number stays NaN so the schema names it. */
export function kvRecord(tags: readonly string[], unit: KvValue): Obj {
  const out: Obj = {};
  for (const tag of tags) {
    const at = tag.lastIndexOf("=");
    const key = (at < 0 ? tag : tag.slice(0, at)).trim();
    const raw = at < 0 ? "" : tag.slice(at + 1).trim();
    if (key === "") continue;
    out[key] = unit === "text" ? raw : unit === "yuan" ? Math.round(Number(raw === "" ? Number.NaN : raw) * 100) : Number(raw === "" ? Number.NaN : raw);
  }
  return out;
}

export function KvInput({
  value,
  unit,
  onChange,
  testId,
  placeholder,
  width = 200,
}: {
  value: unknown;
  unit: KvValue;
  onChange: (v: Obj) => void;
  testId: string;
  placeholder?: string;
  width?: number;
}) {
  return (
    <Select
      mode="tags"
      style={{ minWidth: width }}
      value={kvTags(value, unit)}
      onChange={(x: string[]) => onChange(kvRecord(x, unit))}
      placeholder={placeholder}
      tokenSeparators={[",", "，", " "]}
      data-testid={testId}
    />
  );
}

/** By-balance downgrade ranges as tags `min-max=levelId` in yuan (max may be empty: no upper end). */
export function rangeTags(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const y = (f: unknown) => (typeof f === "number" ? (f / 100).toFixed(2) : "");
  return v.map((r) => (isObj(r) ? `${y(r.minFen)}-${y(r.maxFen)}=${String(r.levelId ?? "")}` : String(r)));
}

/** The `min-max=levelId` tags as ranges; a bad amount stays NaN so the schema names it. */
export function rangeList(tags: readonly string[]): Obj[] {
  return tags.map((tag) => {
    const at = tag.lastIndexOf("=");
    const [min = "", max = ""] = (at < 0 ? tag : tag.slice(0, at)).split("-").map((s) => s.trim());
    const fen = (s: string) => Math.round(Number(s === "" ? Number.NaN : s) * 100);
    return { minFen: fen(min), ...(max !== "" ? { maxFen: fen(max) } : {}), levelId: at < 0 ? "" : tag.slice(at + 1).trim() };
  });
}
