// Test and bench helper: parses zbarimg's --xml output (per-file symbols; CDATA text may hold \r and \n, binary data comes as base64 with a length).

export interface ZbarSymbol {
  type: string;
  data: Buffer;
  /** zbar gave the data as base64 (not valid text); zbar 0.23 sign-extends bytes >= 0x80 there, see the bench. */
  base64: boolean;
}

/**
 * Symbols per source file. zbar writes `<data><![CDATA[...]]></data>` for text and
 * `<data format='base64' length='N'><![CDATA[...]]></data>` for data that is not valid text; the CDATA
 * can contain `\r` and `\n`. A `]]>` inside the data is split by zbar into two CDATA sections, joined here.
 */
export function parseZbarXml(xml: string): Map<string, ZbarSymbol[]> {
  const byPath = new Map<string, ZbarSymbol[]>();
  for (const source of xml.split("<source href='").slice(1)) {
    const path = unescapeXml(source.slice(0, source.indexOf("'")));
    const syms: ZbarSymbol[] = [];
    for (const m of source.matchAll(/<symbol\b([^>]*)>[\s\S]*?<data\b([^>]*)>([\s\S]*?)<\/data>/g)) {
      const type = /\btype='([^']*)'/.exec(m[1] ?? "")?.[1] ?? "";
      const attrs = m[2] ?? "";
      const body = [...(m[3] ?? "").matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((c) => c[1] ?? "").join("");
      const base64 = /\bformat='base64'/.test(attrs);
      const data = base64 ? Buffer.from(body.replace(/\s+/g, ""), "base64") : Buffer.from(body, "utf8");
      const length = /\blength='(\d+)'/.exec(attrs)?.[1];
      if (length !== undefined && Number(length) !== data.length && !base64) throw new Error(`zbar data length ${length} but ${data.length} bytes for ${path}`);
      syms.push({ type, data, base64 });
    }
    byPath.set(path, [...(byPath.get(path) ?? []), ...syms]);
  }
  return byPath;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
