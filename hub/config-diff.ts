// Structured diff of two config bundles (path, before, after), for the preview before publish.
//
// Objects are compared key by key; arrays whose items all carry an `id` (or `sku`) are matched by it
// (path `rules.levels[gold].discountPercent`), other arrays by index. Only leaves that differ are listed.

export interface DiffEntry {
  path: string;
  /** Absent (undefined in JS, missing in JSON) when the key is new. */
  before?: unknown;
  /** Absent when the key was removed. */
  after?: unknown;
}

const MAX_ENTRIES = 2_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function keyOf(item: unknown): string | undefined {
  if (!isObject(item)) return undefined;
  for (const k of ["id", "sku", "staffId"]) if (typeof item[k] === "string") return item[k];
  return undefined;
}

function keyed(list: readonly unknown[]): Map<string, unknown> | undefined {
  const m = new Map<string, unknown>();
  for (const item of list) {
    const k = keyOf(item);
    if (k === undefined || m.has(k)) return undefined;
    m.set(k, item);
  }
  return m;
}

function walk(path: string, a: unknown, b: unknown, out: DiffEntry[]): void {
  if (out.length >= MAX_ENTRIES) return;
  if (Object.is(a, b)) return;
  const entry = (p: string, before: unknown, after: unknown): DiffEntry => ({
    path: p,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(path ? `${path}.${k}` : k, a[k], b[k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = keyed(a);
    const kb = keyed(b);
    if (ka && kb && (a.length > 0 || b.length > 0)) {
      for (const k of new Set([...ka.keys(), ...kb.keys()])) walk(`${path}[${k}]`, ka.get(k), kb.get(k), out);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(`${path}.${i}`, a[i], b[i], out);
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  out.push(entry(path, a, b));
}

/** What changes from `before` to `after`; at most 2,000 entries (`truncated` says when more differ). */
export function diffConfig(before: unknown, after: unknown): { changes: DiffEntry[]; truncated: boolean } {
  const changes: DiffEntry[] = [];
  walk("", before, after, changes);
  return { changes, truncated: changes.length >= MAX_ENTRIES };
}
