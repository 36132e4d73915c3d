// hubctl's rollout and version commands: `rollout status|stop|continue`, `config versions` and `config rollback` (admin token, through /bo).
import type { RolloutStatus } from "../rollouts.js";
import { CliError, EXIT, ago, table, type CliIo, type HubApi } from "./common.js";

/** One rollout: its state and counts, then a line per kiosk. */
export function printRollout(io: CliIo, r: RolloutStatus): void {
  const counts = Object.entries(r.counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  io.stdout(`rollout ${r.id}: store ${r.storeId} version ${r.version} ${r.state}${r.reason ? ` (${r.reason})` : ""}; ${counts}\n`);
  io.stdout(
    table(
      ["DEVICE", "WAVE", "STATUS", "ERROR"],
      r.targets.map((t) => [t.deviceId, String(t.wave), t.status, t.error ?? ""]),
    ),
  );
}

function rolloutId(id: string | undefined): string {
  if (!id || !/^[1-9][0-9]{0,11}$/.test(id))
    throw new CliError(EXIT.USAGE, "USAGE", "--id N (a rollout number, from hubctl rollout status --store S) is required");
  return id;
}

/** `rollout status --store S` or `--id N`; exit 1 for a stopped rollout, so scripts can wait on it. */
export async function rolloutStatus(api: HubApi, io: CliIo, o: { id?: string | undefined; store?: string | undefined; json: boolean }): Promise<number> {
  if (o.id) {
    const r = await api.call<RolloutStatus>("GET", `/rollouts/${encodeURIComponent(rolloutId(o.id))}`);
    if (o.json) io.stdout(`${JSON.stringify(r)}\n`);
    else printRollout(io, r);
    return r.state === "stopped" ? EXIT.FAILURE : EXIT.OK;
  }
  if (!o.store) throw new CliError(EXIT.USAGE, "USAGE", "--store or --id is required (hubctl --help)");
  const { rollouts } = await api.call<{ rollouts: RolloutStatus[] }>("GET", `/stores/${encodeURIComponent(o.store)}/rollouts`);
  if (o.json) io.stdout(`${JSON.stringify({ rollouts })}\n`);
  else if (rollouts.length === 0) io.stdout(`no rollouts for store ${o.store}\n`);
  else for (const r of rollouts) printRollout(io, r);
  return rollouts.length === 0 ? EXIT.NOT_FOUND : EXIT.OK;
}

/** `rollout stop --id N --reason "..."`: kiosks not yet sent the version keep theirs (audited as the admin token). */
export async function rolloutStop(api: HubApi, io: CliIo, o: { id?: string | undefined; reason?: string | undefined; json: boolean }): Promise<number> {
  const id = rolloutId(o.id);
  if (!o.reason?.trim()) throw new CliError(EXIT.USAGE, "USAGE", '--reason "..." is required: the audit trail records why a rollout was stopped');
  const r = await api.call<RolloutStatus>("POST", `/bo/rollouts/${id}/stop`, { body: { reason: o.reason.trim() }, admin: true });
  if (o.json) io.stdout(`${JSON.stringify(r)}\n`);
  else printRollout(io, r);
  return EXIT.OK;
}

/** `rollout continue --id N [--note "..."]`: the failures so far are accepted, the remaining kiosks get the version. */
export async function rolloutContinue(api: HubApi, io: CliIo, o: { id?: string | undefined; note?: string | undefined; json: boolean }): Promise<number> {
  const id = rolloutId(o.id);
  const body = o.note?.trim() ? { note: o.note.trim() } : {};
  const r = await api.call<RolloutStatus>("POST", `/bo/rollouts/${id}/continue`, { body, admin: true });
  if (o.json) io.stdout(`${JSON.stringify(r)}\n`);
  else printRollout(io, r);
  return EXIT.OK;
}

interface VersionsAnswer {
  storeId: string;
  inForce: number | null;
  versions: Array<{ version: number; createdAt: number; inForce: boolean }>;
}

/** `config versions --store S`: newest first, the one in force marked. */
export async function configVersions(api: HubApi, io: CliIo, o: { store: string; json: boolean; now?: number }): Promise<number> {
  const res = await api.call<VersionsAnswer>("GET", `/bo/stores/${encodeURIComponent(o.store)}/config/versions`, { admin: true });
  if (o.json) {
    io.stdout(`${JSON.stringify(res)}\n`);
    return res.versions.length === 0 ? EXIT.NOT_FOUND : EXIT.OK;
  }
  if (res.versions.length === 0) {
    io.stdout(`store ${o.store} has no config yet\n`);
    return EXIT.NOT_FOUND;
  }
  const now = o.now ?? Date.now();
  io.stdout(
    table(
      ["VERSION", "PUBLISHED", "AGO", ""],
      res.versions.map((v) => [String(v.version), new Date(v.createdAt).toISOString(), `${ago(now - v.createdAt)} ago`, v.inForce ? "in force" : ""]),
    ),
  );
  return EXIT.OK;
}

/**
 * `config rollback --store S --to V`: publishes version N+1 with version V's rules and device policy
 * (kiosks accept only newer versions), through the staged rollout given by the publish flags.
 */
export async function configRollback(
  api: HubApi,
  io: CliIo,
  o: { store: string; to: string | undefined; note?: string | undefined; rollout?: Record<string, unknown> | undefined; json: boolean },
): Promise<number> {
  const to = Number(o.to);
  if (!o.to || !Number.isInteger(to) || to < 1)
    throw new CliError(EXIT.USAGE, "USAGE", "--to V (the version whose content to bring back; hubctl config versions --store S) is required");
  const body = { toVersion: to, ...(o.rollout ? { rollout: o.rollout } : {}), ...(o.note?.trim() ? { note: o.note.trim() } : {}) };
  const res = await api.call<{ version: number; contentOf: number; rollout: RolloutStatus }>(
    "POST",
    `/bo/stores/${encodeURIComponent(o.store)}/config/rollback`,
    {
      body,
      admin: true,
    },
  );
  if (o.json) io.stdout(`${JSON.stringify(res)}\n`);
  else {
    io.stdout(`rolled store ${o.store} back: version ${res.version} carries version ${res.contentOf}'s content\n`);
    printRollout(io, res.rollout);
  }
  return EXIT.OK;
}
