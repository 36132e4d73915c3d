// What hubctl's commands share: exit codes, the I/O they write to, the admin API client, and table output.
import { CliError, type CliIoBase } from "../../runtime/cli-common.js";
import { readFileSync } from "node:fs";

/** Exit codes scripts can rely on (documented in docs/operations.md). */
export const EXIT = {
  OK: 0,
  /** The operation failed (refused input, conflict, server error). */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Not found, or the hub did not answer. */
  NOT_FOUND: 3,
  /** It ran, but not everything passed (some import rows rejected). */
  PARTIAL: 4,
  /** The admin token is missing or wrong. */
  UNAUTHORIZED: 5,
} as const;

export interface CliIo extends CliIoBase {
  /** True when stderr is a terminal (the progress bar redraws in place). */
  isTTY: boolean;
}

export { CliError };

export interface ApiOptions {
  url: string;
  tokenFile: string | undefined;
}

function exitFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.UNAUTHORIZED;
  if (status === 404) return EXIT.NOT_FOUND;
  return EXIT.FAILURE;
}

/** A small client for the hub's HTTP API; the admin token is read from a file only when a call needs it. */
export class HubApi {
  private token: string | undefined;

  constructor(
    private readonly opts: ApiOptions,
    private readonly io: CliIo,
  ) {}

  private adminToken(): string {
    if (this.token) return this.token;
    const file = this.opts.tokenFile;
    if (!file) throw new CliError(EXIT.UNAUTHORIZED, "TOKEN_MISSING", "this command needs the admin token: --token-file FILE or HUBCTL_TOKEN_FILE");
    try {
      this.token = readFileSync(file, "utf8").trim();
    } catch (err) {
      throw new CliError(EXIT.UNAUTHORIZED, "TOKEN_UNREADABLE", `cannot read the admin token from ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    if (!this.token) throw new CliError(EXIT.UNAUTHORIZED, "TOKEN_MISSING", `${file} is empty`);
    return this.token;
  }

  async call<T>(method: "GET" | "POST" | "PUT", path: string, opts: { body?: unknown; admin?: boolean; headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.admin) headers.authorization = `Bearer ${this.adminToken()}`;
    let res: Response;
    try {
      res = await this.io.fetch(new URL(path, this.opts.url), {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(EXIT.NOT_FOUND, "HUB_UNREACHABLE", `the hub at ${this.opts.url} did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : {};
    } catch {
      json = { message: text.slice(0, 200) };
    }
    if (!res.ok) {
      const e = (typeof json === "object" && json !== null ? json : {}) as { error?: string; message?: string };
      throw new CliError(exitFor(res.status), e.error ?? `HTTP_${res.status}`, e.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}

/** Renders rows as aligned columns. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** "12s", "5m", "3h", "2d" ago. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
