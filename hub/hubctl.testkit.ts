// Test helper: hubctl run in-process against a back-office test world's app (no server, no network), and an admin-token file for its --token-file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runHubctl } from "./cli.js";
import { ADMIN_TOKEN, type BoWorld } from "./backoffice/test-kit.js";

export interface HubctlRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `hubctl --hub http://hub.test <args>` with `w`'s app answering its requests; collects what it prints. */
export async function hubctlOn(w: BoWorld, args: string[]): Promise<HubctlRun> {
  const o = { out: "", err: "" };
  const code = await runHubctl(["--hub", "http://hub.test", ...args], {
    stdout: (s: string) => void (o.out += s),
    stderr: (s: string) => void (o.err += s),
    env: {},
    isTTY: false,
    fetch: (input: string | URL | Request, init?: RequestInit) => Promise.resolve(w.app.request(String(input), init)),
  });
  return { code, ...o };
}

/** Writes the test admin token to `dir/admin-token` and answers its path. */
export function adminTokenFile(dir: string): string {
  const file = join(dir, "admin-token");
  writeFileSync(file, `${ADMIN_TOKEN}\n`);
  return file;
}
