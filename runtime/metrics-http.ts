// What the kiosk's and the hub's Prometheus endpoints share: the GET /metrics route and a log-level counter.
import type { DestinationStream } from "pino";
import type { Hono } from "hono";

/** Anything that renders the Prometheus text exposition (a prom-client registry wrapper). */
export interface MetricsRenderer {
  render(): Promise<{ contentType: string; body: string }>;
}

/** Mounts `GET /metrics` (figures only, no personal data; bind the API to a trusted network). */
export function mountMetricsRoute(metrics: MetricsRenderer) {
  return (app: Hono): void => {
    app.get("/metrics", async (c) => {
      const { contentType, body } = await metrics.render();
      return c.body(body, 200, { "content-type": contentType });
    });
  };
}

/** Counts log lines by level on their way to stdout, for the errors metric. */
export class LogLevelCounter {
  readonly counts: Record<string, number> = {};
  private static readonly NAMES: Readonly<Record<string, string>> = { "40": "warn", "50": "error", "60": "fatal" };

  wrap(inner: DestinationStream): DestinationStream {
    const flushable = inner as DestinationStream & { flushSync?: () => void };
    return {
      write: (line: string) => {
        const level = /"level":(\d+)/.exec(line)?.[1];
        const name = level ? LogLevelCounter.NAMES[level] : undefined;
        if (name) this.counts[name] = (this.counts[name] ?? 0) + 1;
        inner.write(line);
      },
      ...(flushable.flushSync ? { flushSync: () => flushable.flushSync?.() } : {}),
    } as DestinationStream;
  }
}
