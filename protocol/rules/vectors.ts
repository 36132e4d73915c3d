// Shared test vectors: the file format and the runner that both the hub and the kiosk tests use.
import { z } from "zod";
import { parseRulesConfig, type RulesConfig } from "./config.js";
import { consultantReward, type ConsultantSale } from "./consultant.js";
import { RulesError } from "./errors.js";
import { checkDowngrade, checkUpgrade, type LevelMember } from "./levels.js";
import { yearlyClearAction } from "./points.js";
import { memberPortraits, type MemberHistory } from "./portraits.js";
import { priceCart } from "./pricing.js";
import type { PriceCartRequest } from "./pricing-types.js";
import { returnLines } from "./returns.js";
import { settleTenders, type TenderInput } from "./tenders.js";
import { evaluateTopUp, type TopUpRequest } from "./top-up.js";
import { giveVip, quoteVipPurchase, quoteVipUpgrade, type VipMemberInput } from "./vip.js";

export const VECTOR_FUNCTIONS = [
  "priceCart",
  "settleTenders",
  "returnLines",
  "evaluateTopUp",
  "quoteVipPurchase",
  "quoteVipUpgrade",
  "giveVip",
  "checkUpgrade",
  "checkDowngrade",
  "memberPortraits",
  "consultantReward",
  "yearlyClearAction",
] as const;
export type VectorFunction = (typeof VECTOR_FUNCTIONS)[number];

export const VectorCaseSchema = z.strictObject({
  name: z.string().min(1),
  fn: z.enum(VECTOR_FUNCTIONS),
  input: z.record(z.string(), z.unknown()),
  /** JSON of the function's output; null only while a vector is being written. */
  expected: z.unknown(),
});
export type VectorCase = z.infer<typeof VectorCaseSchema>;

/** One vector file: a config (the signed-bundle rules content) and cases run against it. */
export const VectorFileSchema = z.strictObject({
  description: z.string(),
  config: z.unknown(),
  cases: z.array(VectorCaseSchema).min(1),
});
export type VectorFile = z.infer<typeof VectorFileSchema>;

export function parseVectorFile(json: unknown): { file: VectorFile; config: RulesConfig } {
  const r = VectorFileSchema.safeParse(json);
  if (!r.success)
    throw new RulesError("RULES_INVALID_INPUT", r.error.issues[0]?.message ?? "invalid vector file", r.error.issues[0]?.path.map(String).join("."));
  return { file: r.data, config: parseRulesConfig(r.data.config) };
}

type Input = Record<string, unknown>;

/** Runs one case and returns its output as plain JSON (what `expected` holds). */
export function runVectorCase(config: RulesConfig, c: VectorCase): unknown {
  const i = c.input as Input;
  const cart = (): ReturnType<typeof priceCart> => priceCart({ config, ...(i["cart"] as PriceCartRequest) });
  const tender = (pc: ReturnType<typeof priceCart>) => settleTenders(config, { cart: pc, ...(i["tender"] as Omit<TenderInput, "cart">) });
  let out: unknown;
  switch (c.fn) {
    case "priceCart":
      out = cart();
      break;
    case "settleTenders":
      out = tender(cart());
      break;
    case "returnLines": {
      const pc = cart();
      const tenders = i["tender"] === undefined ? undefined : tender(pc);
      const ret = i["return"] as { lines: { index: number; qty?: number }[]; previouslyReturned?: { index: number; qty: number }[] };
      out = returnLines({ cart: pc, tenders, ...ret });
      break;
    }
    case "evaluateTopUp":
      out = evaluateTopUp(config, i["request"] as TopUpRequest);
      break;
    case "quoteVipPurchase":
      out = quoteVipPurchase(config, i["member"] as VipMemberInput, String(i["planId"]), Number(i["at"]));
      break;
    case "quoteVipUpgrade":
      out = quoteVipUpgrade(config, i["member"] as VipMemberInput, String(i["planId"]), Number(i["at"]));
      break;
    case "giveVip":
      out = giveVip(config, i["member"] as VipMemberInput, String(i["planId"]), Number(i["at"]), i["source"] === "staff" ? "staff" : "top-up");
      break;
    case "checkUpgrade":
      out = checkUpgrade(config, i["member"] as LevelMember, String(i["today"]));
      break;
    case "checkDowngrade":
      out = checkDowngrade(config, i["member"] as LevelMember, String(i["today"]));
      break;
    case "memberPortraits":
      out = memberPortraits(config.portraitThresholds, i["history"] as MemberHistory, String(i["today"]));
      break;
    case "consultantReward":
      out = consultantReward(config.consultant, i["sales"] as ConsultantSale[], config.rounding.mode);
      break;
    case "yearlyClearAction":
      out = yearlyClearAction(config, String(i["date"]));
      break;
  }
  return JSON.parse(JSON.stringify(out ?? null)) as unknown;
}
