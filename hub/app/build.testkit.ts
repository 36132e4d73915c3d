// Tests only: builds the member app once (vite build to dist/member-app) when its sources are newer than the build.
import { join } from "node:path";
import { ensureWebBuilt, ROOT } from "../../test/support/web-build.js";

export const APP_DIST = join(ROOT, "dist", "member-app");

export function ensureMemberAppBuilt(): Promise<{ dir: string; built: boolean; ms: number }> {
  return ensureWebBuilt({
    name: "member app",
    script: "build:app",
    dist: "member-app",
    sources: ["hub/app/web", "protocol/member-proof.ts"],
    config: "hub/app/web/vite.config.ts",
  });
}
