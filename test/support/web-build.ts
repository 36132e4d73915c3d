// Tests only: builds a front end (vite build into dist/) once when its sources are newer than the build; parallel callers wait on a lock.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface WebBuild {
  /** What the errors call it, e.g. "member app". */
  name: string;
  /** The npm script that does the same build, for the error message. */
  script: string;
  /** The output folder under dist/. */
  dist: string;
  /** Files and folders (relative to the repo root) whose change makes the build stale. */
  sources: readonly string[];
  /** The Vite config (relative to the repo root). */
  config: string;
}

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

export async function ensureWebBuilt(b: WebBuild): Promise<{ dir: string; built: boolean; ms: number }> {
  const dir = join(ROOT, "dist", b.dist);
  const index = join(dir, "index.html");
  const sources = Math.max(...b.sources.map((s) => newest(join(ROOT, s))));
  const fresh = (): boolean => existsSync(index) && statSync(index).mtimeMs >= sources;
  if (fresh()) return { dir, built: false, ms: 0 };
  const lock = `${dir}.lock`;
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the ${b.name} build lock ${lock} is held too long`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (fresh()) return { dir, built: false, ms: 0 };
    const started = Date.now();
    const r = spawnSync(join(ROOT, "node_modules", ".bin", "vite"), ["build", "-c", join(ROOT, b.config)], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 170_000,
      // Vitest runs with NODE_ENV=test, which would bundle React's development build.
      env: { ...process.env, NODE_ENV: "production" },
    });
    if (r.status !== 0) throw new Error(`npm run ${b.script} failed: ${r.stderr || r.stdout}`);
    return { dir, built: true, ms: Date.now() - started };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
