// The store's device policy inside a signed config bundle (display languages, verification, gate, offline limits, returns, claims, staff, sessions): the kiosks' schema, also used by the console's forms.
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1-64 letters, digits, _ or -");
const fen = z.number().int().safe();
const nonNegFen = fen.nonnegative();

export const DevicePolicySchema = z.strictObject({
  storeName: z.string().min(1).default("Member Store"),
  /**
   * What the kiosk's pages (customer display, staff page, store page) show. languages "zh+en" (the default):
   * every message and label in zh-CN with English underneath / after it; "zh": Chinese only, no English line.
   */
  display: z.strictObject({ languages: z.enum(["zh", "zh+en"]).default("zh+en") }).prefault({}),
  /** The customer display offers the rules' scaleLabels.pickList (loose items without a label) on screen. */
  loosePickList: z.boolean().default(false),
  memberCodeWindowSeconds: z.number().int().min(10).max(300).default(60),
  /** Offline approvals per member per local day, used when the hub does not answer in time. */
  offlineLimits: z
    .strictObject({
      balanceFenPerMemberPerDay: nonNegFen.default(20_000),
      pointsPerMemberPerDay: z.number().int().nonnegative().default(2_000),
      /** Shopping-card (购物卡) money a kiosk may take offline per member per local day, all the member's cards together. */
      shoppingCardFenPerMemberPerDay: nonNegFen.default(20_000),
    })
    .default({ balanceFenPerMemberPerDay: 20_000, pointsPerMemberPerDay: 2_000, shoppingCardFenPerMemberPerDay: 20_000 }),
  receiptUrlBase: z.string().url().default("https://receipts.example.invalid/r/"),
  /** How long a kiosk waits for the hub to authorise stored-value or points spending before it decides offline. */
  authorisationTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
  /** Checkout session timeouts (device/session): each one returns the kiosk to idle and releases the session. */
  session: z
    .strictObject({
      /** No scan or touch for this long while shopping: the session is cancelled (a walked-away cart; 90 s by default). */
      shoppingIdleMs: z
        .number()
        .int()
        .min(5_000)
        .max(30 * 60_000)
        .default(90_000),
      /** How long the receipt / claim screen stays before the kiosk is idle again. */
      doneMs: z.number().int().min(1_000).max(120_000).default(10_000),
      /** How long a cancellation message stays. */
      cancelledMs: z.number().int().min(1_000).max(120_000).default(6_000),
      /** Staff return mode without any action for this long is closed. */
      returnIdleMs: z
        .number()
        .int()
        .min(10_000)
        .max(30 * 60_000)
        .default(300_000),
    })
    .prefault({}),
  /** Staff photo verification (DOMAIN 3): who is checked against their headshot before they may shop. */
  verification: z
    .strictObject({
      /** Card classes checked (the class in force: an expired VIP is checked as the class it reverted to). */
      cardClasses: z.array(z.string().min(1).max(64)).max(50).default([]),
      /** Check every secondary (family) card. */
      secondaryCards: z.boolean().default(false),
      /** Check a member's first visit of the store-local day at this kiosk. */
      firstUseOfDay: z.boolean().default(false),
      /** Check one member in N at random (0: never). */
      oneInN: z.number().int().min(0).max(1_000_000).default(0),
      /** A request no one decides within this time lapses and the member's session is cancelled. */
      timeoutMs: z
        .number()
        .int()
        .min(5_000)
        .max(15 * 60_000)
        .default(120_000),
    })
    .prefault({}),
  /** The store's kiosks as the store staff page reaches them on the store LAN (device/store-page.ts): id and base URL. */
  storeKiosks: z
    .array(
      z.strictObject({
        deviceId: id,
        url: z
          .string()
          .url()
          .regex(/^https?:\/\/[^/]+\/?$/, "scheme://host:port only"),
      }),
    )
    .max(50)
    .default([]),
  /** Store staff who may sign in on the kiosk's staff page with a PIN (stored as a scrypt hash). */
  staff: z
    .array(
      z.strictObject({
        staffId: id,
        name: z.string().min(1).max(64),
        /** `scrypt$N$salt$hash` (base64url), as made by hub/secrets.ts hashSecret(pin). */
        pinHash: z.string().regex(/^scrypt\$\d{4,7}\$[A-Za-z0-9_-]{8,}\$[A-Za-z0-9_-]{16,}$/, "a scrypt$N$salt$hash PIN hash"),
        /** verify: photo verification; returns: reverse sales. */
        roles: z
          .array(z.enum(["verify", "returns"]))
          .min(1)
          .default(["verify", "returns"]),
      }),
    )
    .max(500)
    .default([])
    .refine((list) => new Set(list.map((s) => s.staffId)).size === list.length, "staff ids must be unique"),
  /** Staff sign-in on the kiosk's staff page. */
  staffSession: z
    .strictObject({
      idleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
      maxFailedPins: z.number().int().min(1).max(100).default(5),
      lockoutMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(5),
    })
    .prefault({}),
  /** Entrance gate of a paid-member store: the kiosks listed here admit members instead of selling. */
  gate: z
    .strictObject({
      deviceIds: z.array(id).max(200).default([]),
      /** Card classes that open the gate; empty: every VIP (paid) class of the rules. */
      paidCardClasses: z.array(z.string().min(1).max(64)).max(50).default([]),
      /** Relay pulse; absent: the GPIO config's gate pulseMs. */
      pulseMs: z.number().int().min(100).max(10_000).optional(),
    })
    .prefault({}),
  /** Staff returns at the kiosk: sales of this kiosk up to this many days old. */
  returns: z.strictObject({ windowDays: z.number().int().min(0).max(366).default(30) }).prefault({}),
  /** Pay at the counter: how long a claim ticket stays valid at a staffed till. */
  claims: z
    .strictObject({
      validMinutes: z
        .number()
        .int()
        .min(5)
        .max(24 * 60)
        .default(60),
    })
    .prefault({}),
});
export type DevicePolicy = z.infer<typeof DevicePolicySchema>;
/** The pages' languages: "zh" Chinese only, "zh+en" Chinese with English (device.display.languages). */
export type DisplayLanguages = DevicePolicy["display"]["languages"];
