// hubctl's config reads and staff PIN hashes: `config show` (admin token; secrets redacted) and `staff pin-hash`.
import { readFileSync } from "node:fs";
import { STAFF_PIN_ADVISED_DIGITS, STAFF_PIN_FORMAT } from "../../protocol/staff-pin.js";
import { hashSecret } from "../secrets.js";
import { redactConfigSecrets } from "../config-redact.js";
import { CliError, EXIT, table, type CliIo, type HubApi } from "./common.js";

interface StaffEntry {
  staffId?: string;
  name?: string;
  roles?: string[];
}

/** `config show --store S`: the store's newest config, read with the admin token, secrets redacted. */
export async function configShow(api: HubApi, io: CliIo, store: string, json: boolean): Promise<number> {
  const res = await api.call<{ version: number; content: unknown }>("GET", `/stores/${encodeURIComponent(store)}/config`, { admin: true });
  // The hub redacts already; redacting again here keeps an older hub's answer from printing a hash.
  const content = redactConfigSecrets(res.content) as { device?: { storeName?: string; staff?: StaffEntry[] } };
  if (json) {
    io.stdout(`${JSON.stringify({ version: res.version, content })}\n`);
    return EXIT.OK;
  }
  const staff = content.device?.staff ?? [];
  io.stdout(`store ${store} config version ${res.version}${content.device?.storeName ? ` (${content.device.storeName})` : ""}\n`);
  io.stdout(`staff 店员 (${staff.length}; PIN hashes are not shown):\n`);
  if (staff.length > 0)
    io.stdout(
      table(
        ["STAFF", "NAME", "ROLES"],
        staff.map((s) => [s.staffId ?? "?", s.name ?? "", (s.roles ?? []).join(",")]),
      ),
    );
  io.stdout(`full content: hubctl config show --store ${store} --json\n`);
  return EXIT.OK;
}

/**
 * `staff pin-hash --pin-file F`: the `scrypt$...` hash for a config's `device.staff[].pinHash`. The PIN
 * comes from a file (never the command line, which other users can see); 4-12 digits, 6+ advised.
 */
export function staffPinHash(io: CliIo, pinFile: string, json: boolean): number {
  let pin: string;
  try {
    pin = readFileSync(pinFile, "utf8").trim();
  } catch (err) {
    throw new CliError(EXIT.NOT_FOUND, "FILE_INVALID", `cannot read ${pinFile}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (!STAFF_PIN_FORMAT.test(pin)) throw new CliError(EXIT.USAGE, "PIN_INVALID", "a staff PIN is 4 to 12 digits (PIN 须为 4-12 位数字); 6 or more are advised");
  const hash = hashSecret(pin);
  if (pin.length < STAFF_PIN_ADVISED_DIGITS)
    io.stderr(
      `hubctl: warning: a ${pin.length}-digit PIN is weak; ${STAFF_PIN_ADVISED_DIGITS} or more digits are advised (建议至少 ${STAFF_PIN_ADVISED_DIGITS} 位)\n`,
    );
  io.stdout(json ? `${JSON.stringify({ pinHash: hash })}\n` : `${hash}\n`);
  return EXIT.OK;
}
