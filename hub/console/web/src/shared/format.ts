// Formatting shared by every screen: money in fen as ¥1,234.50, store-local dates, masking of personal data.
const money = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return "—";
  const sign = fen < 0 ? "-" : "";
  return `${sign}¥${money.format(Math.abs(fen) / 100)}`;
}

/** Yuan typed by a person ("1000", "99.5") to integer fen, or undefined when it is not an amount. */
export function fenOf(text: string): number | undefined {
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(text.trim())) return undefined;
  const [i, f = ""] = text.trim().split(".");
  return Number(i) * 100 + Number(f.padEnd(2, "0"));
}

/** `2026-12-02 14:05` in the store's time zone (China by default). */
export function dateTime(ms: number | null | undefined, utcOffsetMinutes = 480): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms + utcOffsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export function date(ms: number | null | undefined, utcOffsetMinutes = 480): string {
  return ms === null || ms === undefined ? "—" : dateTime(ms, utcOffsetMinutes).slice(0, 10);
}

/** 王*明, 李*: for screens a stranger could see. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${"*".repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** ****0123 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return "—";
  const digits = phone.replace(/\D/g, "");
  return `****${digits.slice(-4)}`;
}
