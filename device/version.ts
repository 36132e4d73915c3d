// The kiosk software's version (package.json, found from device/ under tsx and from dist/device/ when built) and runtime, for the status message.
import { readFileSync } from "node:fs";

let cached: { version: string; runtime: string } | undefined;

export function softwareVersion(): { version: string; runtime: string } {
  if (cached) return cached;
  let version = "unknown";
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "member-kiosk" && typeof pkg.version === "string") {
        version = pkg.version.slice(0, 40);
        break;
      }
    } catch {
      // not there: try the next place
    }
  }
  const bun = (process.versions as Record<string, string | undefined>).bun;
  cached = { version, runtime: (bun ? `bun ${bun}` : `node ${process.versions.node}`).slice(0, 40) };
  return cached;
}
