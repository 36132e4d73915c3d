// Remote commands from the hub to one kiosk (signed, addressed, short-lived) and the kiosk's answer; both sides validate with these schemas.
//
// A command travels as a SignedEnvelope (protocol/signing.ts, the HQ key that signs config bundles)
// on the kiosk's own `commands` topic, which only the hub may publish (protocol/topics.ts ACL). The
// payload names the chain, store and device it is for, when it was issued and until when it may run:
// a kiosk refuses a command for another kiosk, an expired one, one from the future and a type it does
// not know, each with an answer on its own `commands/result` topic. `type` is a free string here (not
// an enum) so that a kiosk on older software still parses a newer command and refuses it in words.
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1-64 letters, digits, _ or -");
const epochMs = z.number().int().nonnegative();

/** What a kiosk can be asked to do. */
export const COMMAND_TYPES = ["open-gate", "resync-members", "reprint-last-receipt", "restart-service", "printer-test"] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export function isCommandType(t: string): t is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(t);
}

/** How long a command may wait for its kiosk by default: a gate must never open minutes after the click. */
export const DEFAULT_TTL_MS: Readonly<Record<CommandType, number>> = {
  "open-gate": 30_000,
  "resync-members": 120_000,
  "reprint-last-receipt": 60_000,
  "restart-service": 120_000,
  "printer-test": 60_000,
};
/** The longest a command may live (issued to expiry). */
export const MAX_TTL_MS = 15 * 60_000;
/** A command issued further ahead of the kiosk's clock than this is refused (CLOCK_SKEW). */
export const MAX_FUTURE_SKEW_MS = 120_000;

/** Arguments per type; the kiosk checks them again before running anything. */
export const OpenGateArgsSchema = z.strictObject({ pulseMs: z.number().int().min(100).max(10_000).optional() });
export const NoArgsSchema = z.strictObject({});

export const KioskCommandSchema = z
  .strictObject({
    commandId: id,
    type: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a command type is 1-40 lower-case letters, digits or -"),
    args: z
      .record(z.string().max(32), z.union([z.string().max(200), z.number(), z.boolean()]))
      .refine((a) => Object.keys(a).length <= 8, "at most 8 arguments")
      .default({}),
    chainId: id,
    storeId: id,
    deviceId: id,
    issuedAt: epochMs,
    expiresAt: epochMs,
    /** Who asked (shown on the kiosk's log only; the hub keeps the audit). */
    by: z.string().max(64).optional(),
  })
  .refine((c) => c.expiresAt > c.issuedAt && c.expiresAt - c.issuedAt <= MAX_TTL_MS, {
    message: `expiresAt must be after issuedAt, at most ${MAX_TTL_MS / 60_000} minutes`,
    path: ["expiresAt"],
  });
export type KioskCommand = z.infer<typeof KioskCommandSchema>;

/** How a kiosk answered: ran it (ok), tried and failed (failed), or would not run it (refused). */
export const COMMAND_OUTCOMES = ["ok", "failed", "refused"] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** Refusal and failure codes a kiosk answers with (the console has words for each). */
export const COMMAND_CODES = [
  "OK",
  "UNKNOWN_COMMAND",
  "BAD_ARGUMENTS",
  "EXPIRED",
  "CLOCK_SKEW",
  "NOT_FOR_THIS_KIOSK",
  "SIGNATURE_INVALID",
  "RATE_LIMITED",
  "GATE_NOT_CONFIGURED",
  "GATE_FAILED",
  "NO_RECEIPT",
  "PRINTER_FAILED",
  "KIOSK_BUSY",
  "RESTART_UNAVAILABLE",
  "HUB_UNREACHABLE",
  "FAILED",
] as const;
export type CommandCode = (typeof COMMAND_CODES)[number];

export const CommandResultSchema = z.strictObject({
  commandId: id,
  outcome: z.enum(COMMAND_OUTCOMES),
  code: z.enum(COMMAND_CODES),
  /** For staff: what happened, short. */
  message: z.string().max(300),
  /** When the kiosk answered, by its hub-corrected clock. */
  at: epochMs,
});
export type CommandResult = z.infer<typeof CommandResultSchema>;

/** Largest command envelope a kiosk reads (bytes); anything bigger is dropped unread. */
export const MAX_COMMAND_BYTES = 4 * 1024;
