// Tests only: builds the console once (vite build to dist/console) when its sources are newer than the build.
import { join } from "node:path";
import { ensureWebBuilt, ROOT } from "../../test/support/web-build.js";

export const CONSOLE_DIST = join(ROOT, "dist", "console");

export function ensureConsoleBuilt(): Promise<{ dir: string; built: boolean; ms: number }> {
  return ensureWebBuilt({
    name: "console",
    script: "build:console",
    dist: "console",
    sources: ["hub/console/web", "protocol"],
    config: "hub/console/web/vite.config.ts",
  });
}
