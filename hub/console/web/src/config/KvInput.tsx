// A small key -> value editor for record fields of the rules (per-category percents, prices by card class, PLU -> sku): each entry a tag `key=value`, values as numbers, yuan (stored as fen) or text.
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
