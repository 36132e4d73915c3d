// zod schemas for every MQTT message between kiosk and hub; both sides validate at the boundary.
import { z } from "zod";
import { RulesConfigSchema } from "./rules/config.js";
import { ProtocolError } from "./errors.js";

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1-64 letters, digits, _ or -");
const fen = z.number().int().safe();
const nonNegFen = fen.nonnegative();
const epochMs = z.number().int().nonnegative();

// ---------------------------------------------------------------- config bundle (signed content)

export const DevicePolicySchema = z.object({
  storeName: z.string().min(1).default("Member Store"),
  memberCodeWindowSeconds: z.number().int().min(10).max(300).default(60),
  /** Offline approvals per member per local day, used when the hub does not answer in time. */
  offlineLimits: z
    .object({
      balanceFenPerMemberPerDay: nonNegFen.default(20_000),
      pointsPerMemberPerDay: z.number().int().nonnegative().default(2_000),
    })
    .default({ balanceFenPerMemberPerDay: 20_000, pointsPerMemberPerDay: 2_000 }),
  receiptUrlBase: z.string().url().default("https://receipts.example.invalid/r/"),
  /** How long a kiosk waits for the hub to authorise stored-value or points spending before it decides offline. */
  authorisationTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
});
export type DevicePolicy = z.infer<typeof DevicePolicySchema>;

export const ConfigContentSchema = z.object({
  version: z.number().int().positive(),
  chainId: id,
  storeId: id,
  issuedAt: epochMs,
  rules: RulesConfigSchema,
  device: DevicePolicySchema,
});
export type ConfigContent = z.infer<typeof ConfigContentSchema>;

export const ConfigReportSchema = z.object({
  version: z.number().int().positive(),
  status: z.enum(["applied", "ignored", "failed"]),
  appliedVersion: z.number().int().nonnegative(),
  error: z.string().max(500).optional(),
});
export type ConfigReport = z.infer<typeof ConfigReportSchema>;

// ---------------------------------------------------------------- ledger

export const TenderSchema = z.object({
  kind: z.enum(["external", "balance", "points"]),
  amountFen: nonNegFen,
});

export const SaleFactSchema = z.object({
  type: z.literal("sale"),
  saleId: id,
  memberId: id,
  cardId: id,
  lines: z.array(z.object({ sku: id, qty: z.number().int().positive().max(999) })).min(1).max(200),
  /** The kiosk's figures: hints that the hub recomputes with the same rules and config version. */
  hints: z.object({
    subtotalFen: nonNegFen,
    totalFen: nonNegFen,
    savingsFen: nonNegFen,
    pointsEarned: z.number().int().nonnegative(),
  }),
  tenders: z.array(TenderSchema).min(1),
  /** Set when stored value or points pay: the hub's hold (online), or the kiosk's own approval (offline). */
  authorization: z.object({ requestId: id, mode: z.enum(["online", "offline"]) }).optional(),
  offlineApproved: z.boolean().default(false),
});
export type SaleFact = z.infer<typeof SaleFactSchema>;

export const FactSchema = z.discriminatedUnion("type", [SaleFactSchema]);
export type Fact = z.infer<typeof FactSchema>;

export const LedgerEntrySchema = z.object({
  seq: z.number().int().positive(),
  entryId: id,
  at: epochMs,
  configVersion: z.number().int().nonnegative(),
  fact: FactSchema,
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const LedgerBatchSchema = z.object({
  entries: z.array(LedgerEntrySchema).min(1).max(500),
});
export type LedgerBatch = z.infer<typeof LedgerBatchSchema>;

/** The hub's answer: everything up to `ackedSeq` is applied; `resendFrom` asks for a resend after a gap. */
export const AckSchema = z.object({
  ackedSeq: z.number().int().nonnegative(),
  resendFrom: z.number().int().positive().optional(),
  rejected: z.array(z.object({ seq: z.number().int().positive(), reason: z.string() })).optional(),
  /** The hub's clock when it sent this, for the kiosk's clock offset. */
  hubTime: epochMs.optional(),
});
export type Ack = z.infer<typeof AckSchema>;

// ---------------------------------------------------------------- members

export const MemberRecordSchema = z.object({
  memberId: id,
  cardId: id,
  name: z.string().max(100),
  levelId: id,
  cardClass: z.string().max(64),
  cardPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  status: z.enum(["active", "blocked"]),
  pointsBalance: z.number().int(),
  balanceFen: fen,
  /** Stored value: `balanceFen` is the total, of which `bonusBalanceFen` came from top-up bonuses. */
  bonusBalanceFen: fen.nonnegative().default(0),
  /** When the current (VIP / paid) card class ends; absent for classes that do not expire. */
  vipExpiresAt: epochMs.optional(),
  /** The class the card reverts to when the VIP class expires. */
  baseCardClass: z.string().max(64).optional(),
  headshotHash: z.string().regex(/^[a-f0-9]{64}$/).optional(),
  birthday: z.string().regex(/^\d{2}-\d{2}$/).optional(),
  /** Set on a secondary (family) card: the primary member whose paid membership it shares. */
  primaryMemberId: id.optional(),
  /** Coupons the member holds (instances of coupon definitions in the rules config). */
  coupons: z
    .array(z.object({ instanceId: id, couponId: id, validFrom: z.string().optional(), expiresOn: z.string() }))
    .max(200)
    .default([]),
});
export type MemberRecord = z.infer<typeof MemberRecordSchema>;
export type MemberRecordInput = z.input<typeof MemberRecordSchema>;

export const MemberChangeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("upsert"), seq: z.number().int().positive(), member: MemberRecordSchema }),
  z.object({ kind: z.literal("delete"), seq: z.number().int().positive(), memberId: id }),
]);
export type MemberChange = z.infer<typeof MemberChangeSchema>;

export const MembersRequestSchema = z.object({
  cursor: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(1000).default(500),
  /** Set while paging through a snapshot (its later pages may lie below the compaction horizon). */
  continuing: z.boolean().default(false),
});
export type MembersRequest = z.infer<typeof MembersRequestSchema>;

export const MembersPageSchema = z.object({
  /** Set when the kiosk's cursor was too old: drop the cache and apply `changes` as the whole set. */
  snapshot: z.boolean().default(false),
  changes: z.array(MemberChangeSchema),
  /** The cursor after applying this page. */
  cursor: z.number().int().nonnegative(),
  more: z.boolean(),
  hubTime: epochMs.optional(),
});
export type MembersPage = z.infer<typeof MembersPageSchema>;

/** A push of new changes for one store; `prevCursor` is the store's changelog position just before them. */
export const MembersPushSchema = z.object({
  prevCursor: z.number().int().nonnegative(),
  changes: z.array(MemberChangeSchema).min(1),
});
export type MembersPush = z.infer<typeof MembersPushSchema>;

// ---------------------------------------------------------------- headshots

export const PhotoRequestSchema = z.object({ hash: z.string().regex(/^[a-f0-9]{64}$/) });
export const PhotoResponseSchema = z.discriminatedUnion("found", [
  z.object({ found: z.literal(true), hash: z.string().regex(/^[a-f0-9]{64}$/), mime: z.enum(["image/jpeg", "image/png"]), data: z.string().max(1_000_000) }),
  z.object({ found: z.literal(false), hash: z.string().regex(/^[a-f0-9]{64}$/) }),
]);
export type PhotoResponse = z.infer<typeof PhotoResponseSchema>;

// ---------------------------------------------------------------- online authorisation

/** The kiosk asks the hub to hold stored value and/or points for a sale about to be paid. */
export const AuthRequestSchema = z.object({
  requestId: id,
  memberId: id,
  balanceFen: nonNegFen,
  points: z.number().int().nonnegative(),
});
export type AuthRequest = z.infer<typeof AuthRequestSchema>;

export const AuthResponseSchema = z.object({
  requestId: id,
  approved: z.boolean(),
  reason: z.enum(["insufficient-balance", "insufficient-points", "unknown-member", "blocked"]).optional(),
  /** What the member has left after this hold and the other open ones. */
  availableBalanceFen: fen,
  availablePoints: z.number().int(),
  hubTime: epochMs.optional(),
});
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

// ---------------------------------------------------------------- presence

export const DeviceStatusSchema = z.object({
  online: z.boolean(),
  at: epochMs,
  configVersion: z.number().int().nonnegative().optional(),
  lastSeq: z.number().int().nonnegative().optional(),
  ackedSeq: z.number().int().nonnegative().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  /** The kiosk's clock correction against the hub, ms (hub - kiosk). */
  clockOffsetMs: z.number().int().optional(),
  health: z.record(z.string(), z.unknown()).optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;

// ---------------------------------------------------------------- decoding

/** Parses an MQTT payload as JSON and validates it; throws SCHEMA_INVALID with a readable reason. */
export function decodeMessage<T>(schema: z.ZodType<T>, payload: Uint8Array | string): T {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8"));
  } catch (cause) {
    throw new ProtocolError("SCHEMA_INVALID", "payload is not JSON", { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError("SCHEMA_INVALID", z.prettifyError(parsed.error));
  return parsed.data;
}

export function encodeMessage(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}
