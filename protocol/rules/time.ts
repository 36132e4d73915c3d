// Calendar arithmetic on store-local dates ('YYYY-MM-DD') and instants (epoch ms); never reads the clock.
import { RulesError } from "./errors.js";

/** A calendar date in the store's local time, 'YYYY-MM-DD'. */
export type IsoDate = string;
/** An instant, milliseconds since 1970-01-01T00:00:00Z. */
export type EpochMs = number;

export const DAY_MS = 86_400_000;
/** China Standard Time, the default store offset. */
export const DEFAULT_UTC_OFFSET_MINUTES = 480;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Dates already found valid (a sale's date and coupon expiry dates recur on every cart); bounded. */
const validDates = new Set<string>();

export function isIsoDate(s: string): boolean {
  if (validDates.has(s)) return true;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  const ok = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
  if (ok) {
    if (validDates.size >= 4096) validDates.clear();
    validDates.add(s);
  }
  return ok;
}

function assertDate(date: IsoDate, field = "date"): void {
  if (!isIsoDate(date)) throw new RulesError("RULES_INVALID_INPUT", `'${date}' is not a date YYYY-MM-DD`, field);
}

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(date: IsoDate): number {
  assertDate(date);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function dateFromDayNumber(n: number): IsoDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return dateFromDayNumber(dayNumber(date) + days);
}

/** `to - from` in whole calendar days. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** The last local day asked for and its date. */
let lastLocalDay: { day: number; date: IsoDate } = { day: Number.NaN, date: "" };

/** The store-local calendar date of an instant. */
export function localDate(at: EpochMs, utcOffsetMinutes: number): IsoDate {
  if (!Number.isFinite(at) || Math.abs(at) > 8.64e15) throw new RulesError("RULES_INVALID_INPUT", "time must be epoch milliseconds", "at");
  const local = at + utcOffsetMinutes * 60_000;
  // The date depends only on the local day: remember the last one (Date#toISOString is slow).
  const day = Math.floor(local / DAY_MS);
  if (day === lastLocalDay.day) return lastLocalDay.date;
  const date = new Date(local).toISOString().slice(0, 10);
  lastLocalDay = { day, date };
  return date;
}

/** The instant at which a store-local date begins (00:00 local). */
export function startOfLocalDay(date: IsoDate, utcOffsetMinutes: number): EpochMs {
  return dayNumber(date) * DAY_MS - utcOffsetMinutes * 60_000;
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function weekday(date: IsoDate): number {
  const d = (dayNumber(date) + 4) % 7; // 1970-01-01 was a Thursday (4)
  return d <= 0 ? d + 7 : d;
}

export function dayOfMonth(date: IsoDate): number {
  assertDate(date);
  return Number(date.slice(8, 10));
}

/** 'MM-DD' of a date. */
export function monthDay(date: IsoDate): string {
  assertDate(date);
  return date.slice(5);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Whether a birthday 'MM-DD' falls on `date`; a 29 February birthday is celebrated on
 * 28 February in common years.
 */
export function isBirthday(birthday: string, date: IsoDate, scope: "day" | "month" = "day"): boolean {
  const md = monthDay(date);
  if (scope === "month") return birthday.slice(0, 2) === md.slice(0, 2);
  if (birthday === md) return true;
  return birthday === "02-29" && md === "02-28" && !isLeapYear(Number(date.slice(0, 4)));
}

/**
 * A set of allowed days. An empty window (no list given) allows every day; otherwise a day is
 * allowed when it matches any list: an exact date, a day of the month, or an ISO weekday.
 */
export interface DayWindow {
  dates?: IsoDate[] | undefined;
  daysOfMonth?: number[] | undefined;
  weekdays?: number[] | undefined;
}

export function inDayWindow(date: IsoDate, w: DayWindow | undefined): boolean {
  if (!w) return true;
  const lists = [w.dates, w.daysOfMonth, w.weekdays].filter((l) => l !== undefined && l.length > 0);
  if (lists.length === 0) return true;
  if (w.dates?.includes(date)) return true;
  if (w.daysOfMonth?.includes(dayOfMonth(date))) return true;
  if (w.weekdays?.includes(weekday(date))) return true;
  return false;
}

/** Whether `date` is within [from, to], each bound optional and inclusive. */
export function inDateRange(date: IsoDate, from?: IsoDate, to?: IsoDate): boolean {
  if (from !== undefined && date < from) return false;
  if (to !== undefined && date > to) return false;
  return true;
}

const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an instant given as epoch ms, an ISO timestamp with an explicit offset
 * ('2024-05-01T10:00:00+08:00' or '...Z'), or a bare date (the start of that store-local day).
 * A timestamp without an offset is refused: it would depend on the machine's time zone.
 */
export function parseInstant(value: unknown, utcOffsetMinutes: number, field = "at"): EpochMs {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string") {
    if (isIsoDate(value)) return startOfLocalDay(value, utcOffsetMinutes);
    const m = INSTANT_RE.exec(value);
    if (m) {
      const date = `${m[1]}-${m[2]}-${m[3]}`;
      const [hh, mm, ss] = [Number(m[4]), Number(m[5]), Number(m[6] ?? "0")];
      const ms = Number((m[7] ?? "0").padEnd(3, "0"));
      if (isIsoDate(date) && hh < 24 && mm < 60 && ss < 60) {
        const z = m[8] ?? "Z";
        const off = z === "Z" ? 0 : (z.startsWith("-") ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6)));
        return dayNumber(date) * DAY_MS + ((hh * 60 + mm - off) * 60 + ss) * 1000 + ms;
      }
    }
  }
  throw new RulesError(
    "RULES_INVALID_INPUT",
    "expected epoch milliseconds, 'YYYY-MM-DD' or an ISO timestamp with an offset (e.g. 2024-05-01T10:00:00+08:00)",
    field,
  );
}
