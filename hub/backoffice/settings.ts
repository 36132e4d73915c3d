// Back-office settings of the chain that the signed rules config does not carry: default card class, secondary cards, member numbers, imports, coupon gifts, message warnings.
import { z } from "zod";
import type { Database } from "../../storage/database.js";
import { CouponGiftSchema } from "./coupon-gift.js";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");

export const SettingsSchema = z.strictObject({
  /** Card class of members registered without one. */
  defaultCardClass: Id.default("standard"),
  /** Member numbers given when a registration has none: prefix + a chain-wide sequence. */
  memberNumberPrefix: z
    .string()
    .regex(/^[A-Za-z]{0,8}$/)
    .default("M"),
  secondaryCards: z
    .strictObject({
      /** Secondary cards per VIP (pending and active count); 0 turns the feature off. */
      maxPerMember: z.number().int().min(0).max(50).default(15),
      /** What a secondary card costs the VIP (0 = free), paid at creation. */
      priceFen: z.number().int().nonnegative().max(100_000_000).default(0),
      /** How long a share code can be used to activate the card. */
      shareCodeTtlHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 90)
        .default(7 * 24),
    })
    .prefault({}),
  import: z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(8 * 1024 ** 3)
        .default(1024 ** 3),
    })
    .prefault({}),
  /** Automatic coupon gifts (coupons-issue.ts); the coupons and packs are the rules'. */
  coupons: z
    .strictObject({
      /** Given once when a member registers (not imports, not secondary cards). */
      registration: CouponGiftSchema.nullable().default(null),
      /** Given by the daily job `daysBefore` days ahead of the birthday, once per member and year. */
      birthday: z
        .strictObject({ gift: CouponGiftSchema, daysBefore: z.number().int().min(0).max(31).default(0) })
        .nullable()
        .default(null),
      /** Pack given once per member on reaching a level (seed 004 升级礼包): level id -> pack id. */
      levelGifts: z.record(Id, Id).default({}),
    })
    .prefault({}),
  /** Messages to members (hub/notify): how far ahead the daily job warns. */
  notifications: z
    .strictObject({
      /** Coupons expiring within this many days (券到期会员); 0: no coupon warnings. */
      couponExpiringDays: z.number().int().min(0).max(60).default(3),
      /** VIP memberships ending within this many days; 0: no VIP warnings. */
      vipExpiringDays: z.number().int().min(0).max(60).default(7),
    })
    .prefault({}),
});
export type Settings = z.output<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;

export class SettingsStore {
  private cached: Settings | undefined;

  constructor(private readonly db: Database) {}

  get(): Settings {
    if (this.cached) return this.cached;
    const row = this.db.prepare("SELECT value FROM bo_meta WHERE key = 'settings'").get<{ value: string }>();
    this.cached = SettingsSchema.parse(row ? (JSON.parse(row.value) as unknown) : {});
    return this.cached;
  }

  /** Inside the caller's transaction. */
  putInTx(input: SettingsInput): Settings {
    const s = SettingsSchema.parse(input);
    this.db.prepare("INSERT INTO bo_meta (key, value) VALUES ('settings', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(s));
    this.cached = undefined;
    return s;
  }

  /** The next number of a chain-wide sequence (member numbers, card ids), inside the caller's transaction. */
  nextInTx(name: string): number {
    const key = `seq:${name}`;
    const cur = Number(this.db.prepare("SELECT value FROM bo_meta WHERE key = ?").get<{ value: string }>(key)?.value ?? 0);
    this.db.prepare("INSERT INTO bo_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, String(cur + 1));
    return cur + 1;
  }
}
