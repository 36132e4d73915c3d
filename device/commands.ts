// The kiosk's remote-command handler: verifies a hub command (HQ signature, addressed to this kiosk, not expired, known type, valid arguments), runs it through the real drivers, answers on its own topic.
//
// Every command that can be read gets exactly one answer: ok, failed (tried, the driver said no) or
// refused (not run, and why). A redelivered command (MQTT QoS 1) is not run again: the first answer
// is sent again. Commands are rate-limited, and one runs at a time, so a burst from a compromised
// hub account cannot pulse the gate relay in a loop.
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import { ProtocolError } from "../protocol/errors.js";
import { openEnvelope } from "../protocol/signing.js";
import type { DeviceAddress } from "../protocol/topics.js";
import {
  KioskCommandSchema,
  MAX_COMMAND_BYTES,
  MAX_FUTURE_SKEW_MS,
  NoArgsSchema,
  OpenGateArgsSchema,
  isCommandType,
  type CommandCode,
  type CommandOutcome,
  type CommandResult,
  type CommandType,
  type KioskCommand,
} from "../protocol/commands.js";

/** What the commands act on; compose.ts builds these from the kiosk's real parts. */
export interface CommandActions {
  /** Whether a gate relay line is configured on this kiosk. */
  gateConfigured(): boolean;
  /** Pulses the gate relay; resolves when it dropped again. */
  openGate(pulseMs: number | undefined): Promise<void>;
  /** Asks the hub for member changes from this kiosk's cursor; returns what it did, in words. */
  resyncMembers(): string;
  /** Prints the last sale receipt again; undefined when there is none since the service started. */
  reprintLastReceipt(): Promise<string | undefined>;
  /** Prints a printer test page. */
  printerTest(): Promise<void>;
  /** Something a restart would interrupt (a sale or a return in progress), in words; undefined when free. */
  busy(): string | undefined;
  /** Restarts the service (systemd starts it again); absent where nothing would start it again. */
  restart?: () => void;
}

export interface KioskCommandsDeps {
  address: DeviceAddress;
  trustedKeys: Readonly<Record<string, string>>;
  clock: Clock;
  log: Logger;
  actions: CommandActions;
  /** Publishes an answer on this kiosk's commands/result topic; false when not connected. */
  send: (result: CommandResult) => boolean;
  /** Commands per minute before RATE_LIMITED (default 20). */
  perMinute?: number;
}

class Refusal extends Error {
  constructor(
    readonly code: CommandCode,
    message: string,
    readonly outcome: CommandOutcome = "refused",
  ) {
    super(message);
  }
}

const REMEMBERED = 200;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class KioskCommands {
  /** Answers by command id (the newest REMEMBERED), so a redelivery gets the same answer without running again. */
  private readonly answers = new Map<string, CommandResult | "running">();
  private readonly recent: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  readonly stats = { received: 0, ok: 0, failed: 0, refused: 0, dropped: 0, duplicates: 0 };

  constructor(private readonly deps: KioskCommandsDeps) {}

  /** One message from the commands topic; never throws (a command is answered or, when unreadable, logged and dropped). */
  onMessage(payload: Buffer): Promise<void> {
    this.stats.received++;
    const run = this.chain.then(() => this.handle(payload)).catch((err: unknown) => this.deps.log.error({ err: String(err) }, "command: handler failed"));
    this.chain = run;
    return run;
  }

  private async handle(payload: Buffer): Promise<void> {
    const { log } = this.deps;
    if (payload.length > MAX_COMMAND_BYTES) {
      this.stats.dropped++;
      log.warn({ bytes: payload.length }, "command: too large, dropped unread");
      return;
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(payload.toString("utf8"));
    } catch {
      this.stats.dropped++;
      log.warn("command: not JSON, dropped");
      return;
    }
    let cmd: KioskCommand;
    try {
      cmd = openEnvelope(envelope, this.deps.trustedKeys, KioskCommandSchema);
    } catch (err) {
      const code = err instanceof ProtocolError && err.code === "SIGNATURE_INVALID" ? "SIGNATURE_INVALID" : "BAD_ARGUMENTS";
      const commandId = unverifiedId(envelope);
      log.warn({ code, commandId, reason: String((err as Error).message).slice(0, 200) }, "command: refused before reading");
      // Answered, not remembered: an unverified id must not replace the answer of a real command.
      if (commandId) this.answer(commandId, "refused", code, code === "SIGNATURE_INVALID" ? "not signed by a trusted HQ key" : "not a valid command", false);
      else this.stats.dropped++;
      return;
    }
    const seen = this.answers.get(cmd.commandId);
    if (seen) {
      this.stats.duplicates++;
      if (seen !== "running") this.deps.send(seen);
      return;
    }
    this.remember(cmd.commandId, "running");
    try {
      const message = await this.run(cmd);
      this.answer(cmd.commandId, "ok", "OK", message);
    } catch (err) {
      if (err instanceof Refusal) this.answer(cmd.commandId, err.outcome, err.code, err.message);
      else this.answer(cmd.commandId, "failed", "FAILED", String((err as Error).message ?? err).slice(0, 300));
    }
  }

  private async run(cmd: KioskCommand): Promise<string> {
    const { address, clock, log } = this.deps;
    if (cmd.chainId !== address.chainId || cmd.storeId !== address.storeId || cmd.deviceId !== address.deviceId)
      throw new Refusal("NOT_FOR_THIS_KIOSK", `addressed to ${cmd.storeId}/${cmd.deviceId}, this is ${address.storeId}/${address.deviceId}`);
    const now = clock.now();
    if (now >= cmd.expiresAt) throw new Refusal("EXPIRED", `expired ${Math.round((now - cmd.expiresAt) / 1000)} s ago by this kiosk's clock; not run`);
    if (cmd.issuedAt > now + MAX_FUTURE_SKEW_MS) throw new Refusal("CLOCK_SKEW", "issued in the future by this kiosk's clock; check the kiosk's time");
    const limit = this.deps.perMinute ?? 20;
    while (this.recent.length > 0 && this.recent[0]! <= now - 60_000) this.recent.shift();
    if (this.recent.length >= limit) throw new Refusal("RATE_LIMITED", `more than ${limit} commands in a minute; wait a minute`);
    this.recent.push(now);
    if (!isCommandType(cmd.type)) throw new Refusal("UNKNOWN_COMMAND", `this kiosk does not know the command ${JSON.stringify(cmd.type)}`);
    log.info({ commandId: cmd.commandId, type: cmd.type, by: cmd.by }, "command: running");
    return this.runKnown(cmd.type, cmd.args);
  }

  private async runKnown(type: CommandType, rawArgs: unknown): Promise<string> {
    const { actions } = this.deps;
    switch (type) {
      case "open-gate": {
        const args = parseArgs(OpenGateArgsSchema, rawArgs);
        if (!actions.gateConfigured()) throw new Refusal("GATE_NOT_CONFIGURED", "this kiosk has no gate relay configured", "failed");
        try {
          await actions.openGate(args.pulseMs);
        } catch (err) {
          throw new Refusal("GATE_FAILED", `gate relay: ${String((err as Error).message ?? err).slice(0, 200)}`, "failed");
        }
        return args.pulseMs ? `gate relay pulsed ${args.pulseMs} ms` : "gate relay pulsed";
      }
      case "resync-members":
        parseArgs(NoArgsSchema, rawArgs);
        return actions.resyncMembers();
      case "reprint-last-receipt": {
        parseArgs(NoArgsSchema, rawArgs);
        let printed: string | undefined;
        try {
          printed = await actions.reprintLastReceipt();
        } catch (err) {
          throw new Refusal("PRINTER_FAILED", printerWords(err), "failed");
        }
        if (printed === undefined) throw new Refusal("NO_RECEIPT", "no receipt printed since the service started", "failed");
        return `receipt ${printed} printed again`;
      }
      case "printer-test":
        parseArgs(NoArgsSchema, rawArgs);
        try {
          await actions.printerTest();
        } catch (err) {
          throw new Refusal("PRINTER_FAILED", printerWords(err), "failed");
        }
        return "test page printed";
      case "restart-service": {
        parseArgs(NoArgsSchema, rawArgs);
        const restart = actions.restart;
        if (!restart) throw new Refusal("RESTART_UNAVAILABLE", "this kiosk runs without a service manager to start it again", "failed");
        const busy = actions.busy();
        if (busy) throw new Refusal("KIOSK_BUSY", `${busy}; try again when it is finished`);
        // After the answer is on its way: the restart stops the MQTT link.
        setTimeout(restart, 300).unref?.();
        return "restarting";
      }
    }
  }

  private answer(commandId: string, outcome: CommandOutcome, code: CommandCode, message: string, keep = true): void {
    const result: CommandResult = { commandId, outcome, code, message: message.slice(0, 300), at: this.deps.clock.now() };
    if (keep) this.remember(commandId, result);
    this.stats[outcome]++;
    this.deps.log.info({ commandId, outcome, code }, "command: answered");
    if (!this.deps.send(result)) this.deps.log.warn({ commandId }, "command: answer not sent (not connected); the hub will show it as expired");
  }

  private remember(commandId: string, value: CommandResult | "running"): void {
    this.answers.delete(commandId);
    this.answers.set(commandId, value);
    while (this.answers.size > REMEMBERED) this.answers.delete(this.answers.keys().next().value as string);
  }
}

function parseArgs<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } },
  v: unknown,
): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new Refusal("BAD_ARGUMENTS", `arguments: ${r.error.issues.map((i) => i.message).join("; ")}`.slice(0, 300));
  return r.data;
}

function printerWords(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return `${typeof code === "string" ? `${code}: ` : ""}${String((err as Error).message ?? err)}`.slice(0, 300);
}

/** The command id of an envelope that did not verify, to answer it (nothing else of it is used). */
function unverifiedId(envelope: unknown): string | undefined {
  try {
    const payload = (envelope as { payload?: unknown }).payload;
    if (typeof payload !== "string" || payload.length > MAX_COMMAND_BYTES) return undefined;
    const id = (JSON.parse(payload) as { commandId?: unknown }).commandId;
    return typeof id === "string" && ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
