// What kioskctl and hubctl share: the error type with an exit code, its report, and "is this file the entry point".
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The streams and services a CLI command uses (tests pass fakes). */
export interface CliIoBase {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
}

/** A failure with the exit code a script sees and a code it can branch on. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Reports a CliError (as JSON too with --json) and returns its exit code; undefined for other errors. */
export function reportCliError(err: unknown, io: CliIoBase, command: string, json: boolean): number | undefined {
  if (!(err instanceof CliError)) return undefined;
  if (json) io.stdout(`${JSON.stringify({ ok: false, error: err.code, message: err.message })}\n`);
  io.stderr(`${command}: ${err.message}\n`);
  return err.exitCode;
}

/** True when the module at `moduleUrl` is the script node was started with (also through a bin symlink). */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
