// Which machine tools a suite needs: absent ones skip the suite with a one-line reason, unless CI or REQUIRE_<NAME>=1 says it must run (then it fails).
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { beforeAll, describe, it } from "vitest";

/** Every tool a suite may need, how to find it, and the Debian package that brings it. */
const TOOLS = {
  chromium: { probe: () => executable(chromiumPath()), install: "apt-get install chromium fonts-noto-cjk (or set CHROMIUM_PATH)" },
  ffmpeg: { probe: () => runs("ffmpeg", ["-version"]) && runs("ffprobe", ["-version"]), install: "apt-get install ffmpeg" },
  gpiod: { probe: () => runs("gpioset", ["--version"]) && runs("gpioget", ["--version"]), install: "apt-get install gpiod" },
  mosquitto: {
    probe: () => ["mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"].some((b) => runs(b, ["-h"], true)),
    install: "apt-get install mosquitto",
  },
  mosquitto_passwd: { probe: () => runs("mosquitto_passwd", ["-h"], true), install: "apt-get install mosquitto", env: "mosquitto" },
  socat: { probe: () => runs("socat", ["-V"]), install: "apt-get install socat" },
  zbarimg: { probe: () => runs("zbarimg", ["--version"]), install: "apt-get install zbar-tools" },
  "systemd-notify": { probe: () => runs("systemd-notify", ["--help"]), install: "apt-get install systemd", env: "systemd" },
  "systemd-analyze": { probe: () => runs("systemd-analyze", ["--version"]), install: "apt-get install systemd", env: "systemd" },
  python3: { probe: () => runs("python3", ["--version"]), install: "apt-get install python3" },
  openssl: { probe: () => runs("openssl", ["version"]), install: "apt-get install openssl" },
  useradd: { probe: () => runs("useradd", ["--help"]), install: "apt-get install passwd" },
  unshare: { probe: () => runs("unshare", ["-m", "--propagation", "private", "true"]), install: "run as root with util-linux (unshare -m)" },
  root: { probe: () => typeof process.getuid === "function" && process.getuid() === 0, install: "run the tests as root" },
} satisfies Record<string, { probe: () => boolean; install: string; env?: string }>;

export type ToolName = keyof typeof TOOLS;

/** Where the page tests find Chromium (Debian's by default). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `bin args` starts (any exit status when anyStatus, else status 0). */
function runs(bin: string, args: string[], anyStatus = false): boolean {
  const r = spawnSync(bin, args, { stdio: "ignore", timeout: 10_000 });
  if (r.error) return false;
  return anyStatus || r.status === 0;
}

/** REQUIRE_<NAME> for a tool or service name: "systemd-notify" -> REQUIRE_SYSTEMD_NOTIFY. */
export function requireEnvName(name: string): string {
  return `REQUIRE_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

/** True when CI is set or REQUIRE_<NAME>=1: the suites needing `name` must run (and fail when it is missing). */
export function isRequired(name: string): boolean {
  return truthy(process.env.CI) || truthy(process.env[requireEnvName(name)]);
}

const probed = new Map<ToolName, boolean>();
/** Whether a tool is present on this machine (probed once per test file). */
export function haveTool(name: ToolName): boolean {
  let ok = probed.get(name);
  if (ok === undefined) {
    ok = TOOLS[name].probe();
    probed.set(name, ok);
  }
  return ok;
}

export interface Requirement {
  /** True when the suites should run: everything is present, or CI/REQUIRE_* demands them. */
  readonly run: boolean;
  /** Why they are skipped (or, when required, why they will fail); undefined when everything is present. */
  readonly reason: string | undefined;
  /** describe() that skips with the reason, or fails in its beforeAll when required and missing. */
  describe(name: string, fn: () => void): void;
  /** it() that skips with the reason, or fails first when required and missing. */
  /** `options` is a timeout in ms, or vitest's `{ timeout, retry }`. */
  it(name: string, fn: () => unknown | Promise<unknown>, options?: number | { timeout?: number; retry?: number }): void;
}

const printed = new Set<string>();

/**
 * A requirement on one or more tools (or a known service state, see `requirement`). Use as
 * `const ffmpeg = requireTool("ffmpeg"); ffmpeg.describe("...", () => { ... })` or
 * `describe.runIf(ffmpeg.run)(...)`.
 */
export function requireTool(...names: ToolName[]): Requirement {
  const missing = names.filter((n) => !haveTool(n));
  const envName = (n: ToolName): string => {
    const t = TOOLS[n];
    return "env" in t ? t.env : n;
  };
  const reason = missing.length === 0 ? undefined : `needs ${missing.map((n) => `${n} (${TOOLS[n].install})`).join(", ")}`;
  const envs = missing.map(envName);
  return requirement(
    envs.find((n) => isRequired(n)) ?? envs[0] ?? "tool",
    reason,
    envs.some((n) => isRequired(n)),
  );
}

/**
 * The general form: `reason` is why the suite cannot run here (undefined = it can), `required` says
 * it must run anyway. Used by requireTool and by the PostgreSQL/Mosquitto kits.
 */
export function requirement(name: string, reason: string | undefined, required: boolean): Requirement {
  const run = reason === undefined || required;
  const failMessage = `${name} must run here (CI or ${requireEnvName(name)} is set) but it ${reason}`;
  if (reason !== undefined && !printed.has(reason)) {
    printed.add(reason);
    // One line per file and reason; vitest prints it under the file's name.
    console.warn(required ? `required: ${failMessage}` : `skipped: ${reason}; ${requireEnvName(name)}=1 or CI=1 fails instead`);
  }
  return {
    run,
    reason,
    describe(name, fn) {
      if (!run) return describe(`${name} (skipped: ${reason})`, { skip: true }, fn);
      describe(name, () => {
        if (reason !== undefined) {
          beforeAll(() => {
            throw new Error(failMessage);
          });
        }
        fn();
      });
    },
    it(name, fn, options) {
      if (!run) return it(`${name} (skipped: ${reason})`, { skip: true }, fn);
      it(name, typeof options === "number" ? { timeout: options } : (options ?? {}), async () => {
        if (reason !== undefined) throw new Error(failMessage);
        await fn();
      });
    },
  };
}
