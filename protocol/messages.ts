// zod schemas for every MQTT message between kiosk and hub; both sides validate at the boundary.
import { z } from "zod";
import { RulesConfigShape, crossCheck } from "./rules/config.js";
import { DevicePolicySchema } from "./device-policy.js";
import { ProtocolError } from "./errors.js";

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1-64 letters, digits, _ or -");
const fen = z.number().int().safe();
const nonNegFen = fen.nonnegative();
const epochMs = z.number().int().nonnegative();

// ---------------------------------------------------------------- config bundle (signed content)

/** An in-store scale label as scanned; the hub reads and prices it itself (protocol/rules/scale-label.ts), the line's sku is the kiosk's reading. */
const scaleLabel = z.string().regex(/^\d{13}$/);

export const ConfigContentSchema = z
  .strictObject({
    version: z.number().int().positive(),
    chainId: id,
    storeId: id,
    issuedAt: epochMs,
    rules: RulesConfigShape,
    device: DevicePolicySchema,
    /**
     * Set: `rules.catalog` is the store's catalog changelog at this version (protocol/catalog-delta.ts).
     * In a bundle from the hub the catalog is left out (empty) and the kiosk puts in the one it holds;
     * in the config a kiosk prices with, the version it put in. Absent: the bundle carries its catalog.
     */
    catalogVersion: z.number().int().nonnegative().optional(),
  })
  .superRefine((c, ctx) => {
    // The rules' cross-checks (RulesConfigSchema's). In a bundle without its catalog (catalogVersion set,
    // catalog empty) the references into the catalog (free-item coupon skus, scale-label PLUs and pick
    // list) are left out: the hub checked them when it signed, the kiosk checks them against the catalog
    // it holds (device/sync/catalog-follower.ts checkBundle).
    const slim = c.catalogVersion !== undefined && c.rules.catalog.length === 0;
    crossCheck(c.rules, (path, message) => {
      if (slim && /^(coupons\.\d+\.sku|scaleLabels\.)/.test(path)) return;
      ctx.addIssue({ code: "custom", message, path: ["rules", ...path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p))] });
    });
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

export const TenderSchema = z
  .object({
    kind: z.enum(["external", "balance", "points", "shopping-card"]),
    amountFen: nonNegFen,
    /** The member's shopping card (购物卡) that pays; set on a `shopping-card` tender only. */
    cardId: id.optional(),
  })
  .refine((t) => (t.kind === "shopping-card") === (t.cardId !== undefined), {
    message: "a shopping-card tender names its card (cardId), no other tender does",
    path: ["cardId"],
  });

export const SaleFactSchema = z.object({
  type: z.literal("sale"),
  saleId: id,
  memberId: id,
  cardId: id,
  lines: z
    .array(z.object({ sku: id, qty: z.number().int().positive().max(999), scaleLabel: scaleLabel.optional() }))
    .min(1)
    .max(200),
  /** The kiosk's figures: hints that the hub recomputes with the same rules and config version. */
  hints: z.object({
    subtotalFen: nonNegFen,
    totalFen: nonNegFen,
    savingsFen: nonNegFen,
    pointsEarned: z.number().int().nonnegative(),
  }),
  tenders: z.array(TenderSchema).min(1),
  /** Set when stored value, a shopping card or points pay: the hub's hold (online), or the kiosk's own approval (offline). */
  authorization: z.object({ requestId: id, mode: z.enum(["online", "offline"]) }).optional(),
  offlineApproved: z.boolean().default(false),
  /** Coupon instances the sale used (the hub prices with the same ones and takes them off the member). Absent: none. */
  coupons: z.array(id).max(50).optional(),
  /** Points spent as cash (a `points` tender carries their cash value in fen). Absent: none. */
  pointsRedeemed: z.number().int().nonnegative().optional(),
  /** How the balance tender split into principal and top-up bonus (storedValue.spendOrder). */
  balanceSplit: z.object({ principalFen: nonNegFen, bonusFen: nonNegFen }).optional(),
  /** Random token the kiosk printed in the receipt's QR (`<receiptUrlBase><saleId>.<token>`); the hub opens the e-receipt only with it. */
  receiptToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22,43}$/)
    .optional(),
  /** The store catalog version that priced the sale (the hub re-prices with it); absent: the bundle's own catalog. */
  catalogVersion: z.number().int().positive().optional(),
});
export type SaleFact = z.infer<typeof SaleFactSchema>;

const HeldCouponRecordSchema = z.object({ instanceId: id, couponId: id, validFrom: z.string().optional(), expiresOn: z.string() });

/** Staff gave back some units of some lines of a sale; the refund per tender follows protocol/rules returnLines. */
export const ReturnFactSchema = z.object({
  type: z.literal("return"),
  returnId: id,
  saleId: id,
  memberId: id,
  cardId: id,
  /** The staff member who did the return. */
  staffId: id,
  /** Line indexes of the sale (0-based) and the units given back now. */
  lines: z
    .array(z.object({ index: z.number().int().nonnegative().max(199), qty: z.number().int().positive().max(999) }))
    .min(1)
    .max(200),
  /** The kiosk's figures: the hub recomputes them from its own evaluation of the sale. */
  hints: z.object({
    refundFen: nonNegFen,
    principalFen: nonNegFen,
    bonusFen: nonNegFen,
    externalFen: nonNegFen,
    pointsCashFen: nonNegFen,
    /** Back onto the shopping card that paid the sale (absent from kiosks before shopping cards paid: 0). */
    shoppingCardFen: nonNegFen.optional(),
    pointsGivenBack: z.number().int().nonnegative(),
    pointsTakenBack: z.number().int().nonnegative(),
  }),
  /** Coupons given back because the whole order has come back and they have not expired. */
  couponsRestored: z.array(HeldCouponRecordSchema).max(50).default([]),
});
export type ReturnFact = z.infer<typeof ReturnFactSchema>;

export const GateRefusalSchema = z.enum(["not-paid", "expired", "blocked", "primary-invalid"]);
export type GateRefusal = z.infer<typeof GateRefusalSchema>;

/** A member at the entrance gate of a paid-member store: admitted (relay opened) or refused, and why. */
export const GateEntryFactSchema = z.object({
  type: z.literal("gate_entry"),
  memberId: id,
  cardId: id,
  admitted: z.boolean(),
  reason: GateRefusalSchema.optional(),
  /** A secondary card admitted on its primary member's paid membership. */
  primaryMemberId: id.optional(),
  /** The card class that admitted (or was refused). */
  cardClass: z.string().max(64),
  vipExpiresAt: epochMs.optional(),
});
export type GateEntryFact = z.infer<typeof GateEntryFactSchema>;

export const VerificationReasonSchema = z.enum(["card-class", "secondary-card", "first-use-of-day", "random"]);
export type VerificationReason = z.infer<typeof VerificationReasonSchema>;

/** A staff decision on a photo verification (person and card must match, DOMAIN 3). */
export const VerificationFactSchema = z.object({
  type: z.literal("verification"),
  requestId: id,
  memberId: id,
  cardId: id,
  staffId: id,
  decision: z.enum(["approved", "rejected"]),
  reasons: z.array(VerificationReasonSchema).max(4),
  /** The headshot the staff compared with (absent: none on file, the member was told to upload one). */
  headshotHash: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  note: z.string().max(200).optional(),
});
export type VerificationFact = z.infer<typeof VerificationFactSchema>;

/** Pay at the counter: a priced cart handed to a staffed till with a claim ticket; no money or points move yet. */
export const ClaimFactSchema = z.object({
  type: z.literal("claim"),
  claimId: id,
  memberId: id,
  cardId: id,
  lines: z
    .array(z.object({ sku: id, qty: z.number().int().positive().max(999), scaleLabel: scaleLabel.optional() }))
    .min(1)
    .max(200),
  coupons: z.array(id).max(50).default([]),
  hints: z.object({ subtotalFen: nonNegFen, totalFen: nonNegFen, savingsFen: nonNegFen, pointsEarned: z.number().int().nonnegative() }),
  expiresAt: epochMs,
  /** The store catalog version that priced the ticket (the counter prices with it); absent: the bundle's own catalog. */
  catalogVersion: z.number().int().positive().optional(),
});
export type ClaimFact = z.infer<typeof ClaimFactSchema>;

export const FactSchema = z.discriminatedUnion("type", [SaleFactSchema, ReturnFactSchema, GateEntryFactSchema, VerificationFactSchema, ClaimFactSchema]);
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
  /**
   * The card's own validity (会员卡有效期; epoch ms, exclusive; absent = no expiry): the one a VIP's end
   * restores. While the VIP class is active (before `vipExpiresAt`) the card is valid until the VIP's
   * expiry instead (protocol/card-validity.ts cardValidity). Older kiosks drop it (members parse loosely).
   */
  cardValidUntil: epochMs.optional(),
  headshotHash: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  birthday: z
    .string()
    .regex(/^\d{2}-\d{2}$/)
    .optional(),
  /** Set on a secondary (family) card: the primary member whose paid membership it shares. */
  primaryMemberId: id.optional(),
  /**
   * The member's shopping cards (购物卡: stored value apart from the general balance, a tender at the
   * kiosk) and what each holds; absent from hubs before shopping cards paid: none.
   */
  shoppingCards: z
    .array(z.object({ cardId: id, balanceFen: fen }))
    .max(50)
    .default([]),
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

/** The kiosk asks the hub to hold stored value, a shopping card's money and/or points for a sale about to be paid. */
export const AuthRequestSchema = z.object({
  requestId: id,
  memberId: id,
  balanceFen: nonNegFen,
  points: z.number().int().nonnegative(),
  /** A shopping card of the member's and the fen to hold on it. */
  shoppingCard: z.object({ cardId: id, amountFen: nonNegFen }).optional(),
});
export type AuthRequest = z.infer<typeof AuthRequestSchema>;

export const AuthResponseSchema = z.object({
  requestId: id,
  approved: z.boolean(),
  reason: z.enum(["insufficient-balance", "insufficient-points", "insufficient-shopping-card", "unknown-member", "blocked"]).optional(),
  /** What the member has left after this hold and the other open ones. */
  availableBalanceFen: fen,
  availablePoints: z.number().int(),
  /** What the requested shopping card has left after this hold and the other open ones (set when the request named one). */
  availableShoppingCardFen: fen.optional(),
  hubTime: epochMs.optional(),
});
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

// ---------------------------------------------------------------- presence

export const DeviceStatusSchema = z.object({
  online: z.boolean(),
  at: epochMs,
  configVersion: z.number().int().nonnegative().optional(),
  /** The store catalog version the kiosk holds (0: none yet); present: it follows catalog deltas. */
  catalogVersion: z.number().int().nonnegative().optional(),
  lastSeq: z.number().int().nonnegative().optional(),
  ackedSeq: z.number().int().nonnegative().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  /** The kiosk's clock correction against the hub, ms (hub - kiosk). */
  clockOffsetMs: z.number().int().optional(),
  health: z.record(z.string(), z.unknown()).optional(),
  /** The kiosk software: package version and the runtime it runs on (the console's fleet view). */
  software: z.object({ version: z.string().max(40), runtime: z.string().max(40) }).optional(),
  /** Member changes this kiosk could not read and set aside (quarantined), so the hub can fix them. */
  quarantine: z
    .object({
      count: z.number().int().nonnegative(),
      /** The newest few: changelog seq (0 when unreadable), member id when readable, why. */
      recent: z.array(z.object({ seq: z.number().int().nonnegative(), memberId: z.string().max(64).optional(), reason: z.string().max(300) })).max(10),
    })
    .optional(),
  /** What the kiosk knows of the hub (not just the broker): presence, last ack, oldest unacknowledged entry. */
  hub: z
    .object({
      presence: z.enum(["online", "offline", "unknown"]),
      lastAckAgeMs: z.number().int().nonnegative().optional(),
      oldestUnackedAgeMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;

/** The hub's retained presence (protocol/topics.ts hubPresenceTopic). */
export const HubPresenceSchema = z.object({
  online: z.boolean(),
  /** The hub instance (one per process; several in a cluster). */
  instance: z.string().min(1).max(128),
  /** When this instance started (ms): a new value means the hub restarted. */
  since: epochMs,
  /** When this announcement was made: each (re)connect announces anew. */
  at: epochMs,
});
export type HubPresence = z.infer<typeof HubPresenceSchema>;

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
