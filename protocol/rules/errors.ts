// Error type for the rules engine: every failure carries a machine-readable code and, when known, the field at fault.

export type RulesErrorCode =
  | "RULES_INVALID_INPUT"
  | "RULES_INVALID_CONFIG"
  | "RULES_UNKNOWN_PRODUCT"
  | "RULES_UNKNOWN_LEVEL"
  | "RULES_UNKNOWN_CARD_CLASS"
  | "RULES_UNKNOWN_PLAN"
  | "RULES_UNKNOWN_TOP_UP_RULE"
  | "RULES_INSUFFICIENT_BALANCE"
  /** A shopping card (购物卡) does not hold what it is asked to pay. */
  | "RULES_INSUFFICIENT_CARD"
  | "RULES_INVALID_RETURN"
  | "RULES_VIP_NOT_ALLOWED"
  | "RULES_VIP_LIMIT_REACHED"
  | "RULES_PLUS_NOT_ALLOWED"
  | "RULES_LEVEL_NOT_ALLOWED"
  | "RULES_TOP_UP_NOT_ALLOWED"
  | "RULES_ARITHMETIC";

export class RulesError extends Error {
  readonly code: RulesErrorCode;
  /** Dotted path of the offending field, e.g. `lines.2.sku`, when the error is about one field. */
  readonly field: string | undefined;

  constructor(code: RulesErrorCode, message: string, field?: string) {
    super(field === undefined ? message : `${field}: ${message}`);
    this.name = "RulesError";
    this.code = code;
    this.field = field;
  }
}

export function isRulesError(e: unknown): e is RulesError {
  return e instanceof RulesError;
}
