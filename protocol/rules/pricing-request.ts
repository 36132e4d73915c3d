// Fast validation of a priceCart request: the same checks and defaults as PriceCartRequestSchema, without zod on the hot path; anything unusual goes to zod.
import { CHANNELS } from "./config-common.js";
import { parseWith } from "./config.js";
import { type PriceCartInput, PriceCartRequestSchema } from "./pricing-types.js";
import { isIsoDate } from "./time.js";
import type { z } from "zod";

type ParsedRequest = z.output<typeof PriceCartRequestSchema>;
type Obj = Record<string, unknown>;

const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const EPOCH_MAX = 253_402_300_799_999;
const REQUEST_KEYS = new Set(["member", "lines", "channel", "at", "coupons", "pointsToRedeem"]);
/** A priceCart input: the request and its config. */
const INPUT_KEYS = new Set([...REQUEST_KEYS, "config"]);
const MEMBER_KEYS = new Set(["id", "levelId", "cardClass", "baseCardClass", "vipExpiresAt", "isPlus", "birthday", "couponsHeld", "pointsBalance"]);
const OPTIONAL_MEMBER_KEYS = ["levelId", "cardClass", "baseCardClass", "vipExpiresAt", "birthday", "pointsBalance"] as const;
const HELD_KEYS = new Set(["instanceId", "couponId", "validFrom", "expiresOn"]);
const LINE_KEYS = new Set(["sku", "barcode", "qty", "campaign"]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const onlyKeys = (o: Obj, allowed: ReadonlySet<string>): boolean => {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
};
const isId = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= 128;
const optId = (v: unknown): boolean => v === undefined || isId(v);
const isCount = (v: unknown, max: number): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max;
const isDate = (v: unknown): v is string => typeof v === "string" && isIsoDate(v);

/**
 * A request that passes every check of the schema, with its defaults filled in; undefined sends it
 * to zod. With `checkLines` false the lines are taken as they are (the caller checked them).
 */
function fastParse(input: Obj, keys: ReadonlySet<string>, checkLines = true): ParsedRequest | undefined {
  if (!onlyKeys(input, keys)) return undefined;
  const { member: m, lines, channel, at, coupons, pointsToRedeem } = input;
  if (typeof channel !== "string" || !(CHANNELS as readonly string[]).includes(channel)) return undefined;
  if (!isCount(at, EPOCH_MAX)) return undefined;
  if (pointsToRedeem !== undefined && pointsToRedeem !== "max" && !isCount(pointsToRedeem, Number.MAX_SAFE_INTEGER)) return undefined;
  if (coupons !== undefined && (!Array.isArray(coupons) || !coupons.every(isId))) return undefined;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > 1000) return undefined;
  for (const l of checkLines ? (lines as unknown[]) : []) {
    if (!isObj(l) || !onlyKeys(l, LINE_KEYS)) return undefined;
    const { sku, barcode, qty, campaign } = l;
    if (!optId(sku) || (barcode !== undefined && (typeof barcode !== "string" || barcode.length < 1))) return undefined;
    if (!isCount(qty, 100_000) || qty < 1) return undefined;
    if (campaign !== undefined && campaign !== "group-buy" && campaign !== "flash-sale") return undefined;
    if ((sku === undefined) === (barcode === undefined)) return undefined;
  }
  // Every line passed as it is: the lines array itself is the parsed one.
  const outLines = lines as ParsedRequest["lines"];
  let member: ParsedRequest["member"] = null;
  if (m !== undefined && m !== null) {
    if (!isObj(m) || !onlyKeys(m, MEMBER_KEYS)) return undefined;
    if (!isId(m["id"]) || !optId(m["levelId"]) || !optId(m["cardClass"]) || !optId(m["baseCardClass"])) return undefined;
    if (m["vipExpiresAt"] !== undefined && !isCount(m["vipExpiresAt"], EPOCH_MAX)) return undefined;
    if (m["isPlus"] !== undefined && typeof m["isPlus"] !== "boolean") return undefined;
    if (m["birthday"] !== undefined && (typeof m["birthday"] !== "string" || !MONTH_DAY.test(m["birthday"]))) return undefined;
    if (m["pointsBalance"] !== undefined && !isCount(m["pointsBalance"], Number.MAX_SAFE_INTEGER)) return undefined;
    const held = m["couponsHeld"];
    if (held !== undefined) {
      if (!Array.isArray(held)) return undefined;
      for (const h of held as unknown[]) {
        if (!isObj(h) || !onlyKeys(h, HELD_KEYS) || !isId(h["instanceId"]) || !isId(h["couponId"]) || !isDate(h["expiresOn"])) return undefined;
        if (h["validFrom"] !== undefined && !isDate(h["validFrom"])) return undefined;
      }
    }
    // Built field by field: an object spread with extra keys is slow on V8.
    const out: Obj = { id: m["id"], isPlus: m["isPlus"] ?? false, couponsHeld: held ?? [] };
    for (const k of OPTIONAL_MEMBER_KEYS) if (m[k] !== undefined) out[k] = m[k];
    member = out as NonNullable<ParsedRequest["member"]>;
  }
  const parsed: ParsedRequest = { member, lines: outLines, channel: channel as ParsedRequest["channel"], at, coupons: (coupons ?? []) as string[] };
  if (pointsToRedeem !== undefined) parsed.pointsToRedeem = pointsToRedeem as number | "max";
  return parsed;
}

/**
 * Validates a priceCart request (without its config). Valid requests are checked by hand (the
 * schema's rules, no copies); anything the fast check does not accept is parsed by the schema, so
 * errors (code, message, field) are exactly the schema's. The result must be treated as read-only.
 */
export function parsePriceCartRequest(request: unknown): ParsedRequest {
  const fast = isObj(request) ? fastParse(request, REQUEST_KEYS) : undefined;
  return fast ?? parseWith(PriceCartRequestSchema, request, "RULES_INVALID_INPUT");
}

/** {@link parsePriceCartRequest} of a priceCart input (the request and its `config`), without copying the request out first. */
export function parsePriceCartInput(input: PriceCartInput): ParsedRequest {
  const fast = isObj(input) ? fastParse(input as unknown as Obj, INPUT_KEYS) : undefined;
  if (fast) return fast;
  const { config: _config, ...request } = input;
  return parseWith(PriceCartRequestSchema, request, "RULES_INVALID_INPUT");
}

/**
 * {@link parsePriceCartInput} for a caller that checked the lines at its own boundary (a sale
 * message's schema, the kiosk's cart edits): everything else (member, coupons, points, time,
 * channel) is checked by hand. Undefined when that check does not pass (price through the full check).
 */
export function parsePriceCartInputButLines(input: PriceCartInput): ParsedRequest | undefined {
  return isObj(input) ? fastParse(input as unknown as Obj, INPUT_KEYS, false) : undefined;
}
