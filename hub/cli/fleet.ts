// hubctl's `kiosk command`: send one kiosk a remote command through /bo (admin token, audited like the console's) and, with --wait, wait for its answer.
import { randomUUID } from "node:crypto";
import { COMMAND_TYPES } from "../../protocol/commands.js";
import type { CommandRow } from "../fleet.js";
import { CliError, EXIT, type CliIo, type HubApi } from "./common.js";

export interface KioskCommandOptions {
  device: string;
  type: string | undefined;
  wait: boolean;
  json: boolean;
  /** Between polls while waiting (tests pass 0). */
  pollMs?: number;
}

/** Exit 0 when the kiosk answered ok (or, without --wait, when the command was sent); 1 for failed, refused or expired. */
export async function kioskCommand(api: HubApi, io: CliIo, o: KioskCommandOptions): Promise<number> {
  if (!o.type || !(COMMAND_TYPES as readonly string[]).includes(o.type))
    throw new CliError(EXIT.USAGE, "USAGE", `--type must be one of ${COMMAND_TYPES.join(", ")}`);
  let row = await api.call<CommandRow>("POST", `/bo/kiosks/${encodeURIComponent(o.device)}/commands`, {
    body: { type: o.type },
    admin: true,
    headers: { "idempotency-key": `hubctl-${randomUUID()}` },
  });
  // By this machine's clock: the command's lifetime and the hub's grace for a late answer.
  const deadline = Date.now() + (row.expiresAt - row.issuedAt) + 10_000;
  while (o.wait && row.status === "sent" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    row = await api.call<CommandRow>("GET", `/bo/kiosk-commands/${encodeURIComponent(row.commandId)}`, { admin: true });
  }
  if (o.json) io.stdout(`${JSON.stringify(row)}\n`);
  else io.stdout(`${row.commandId} ${row.type} -> ${row.deviceId}: ${row.status}${row.code ? ` ${row.code}` : ""}${row.message ? ` (${row.message})` : ""}\n`);
  return row.status === "ok" || (!o.wait && row.status === "sent") ? EXIT.OK : EXIT.FAILURE;
}
