// An mqtt.js client with reconnects on exponential backoff plus full jitter (mqtt.js's own period is fixed).
//
// mqtt.js keeps its offline queue in RAM; nothing durable may depend on it. Callers publish only
// while connected and keep their own durable queue (the kiosk's SQLite outbox).
import mqtt, { type MqttClient, type IClientOptions } from "mqtt";
import type { Logger } from "pino";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, initial * 2^attempt)). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  const r = (opts.random ?? Math.random)();
  return Math.max(opts.initialMs / 2, Math.floor(r * ceiling));
}

export interface ConnectOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** 4 = MQTT 3.1.1 (embedded aedes), 5 = MQTT 5 (Mosquitto, EMQX). */
  protocolVersion?: 4 | 5;
  will?: IClientOptions["will"];
  keepaliveSeconds?: number;
  backoff?: BackoffOptions;
  /** TLS: CA certificate (PEM) to trust for mqtts:// URLs. */
  ca?: string | Buffer;
  log: Logger;
}

/** Connects and keeps reconnecting with jittered backoff until `end()` is called on the returned client. */
export function connectWithBackoff(opts: ConnectOptions): MqttClient {
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    protocolVersion: opts.protocolVersion ?? 4,
    clean: true,
    keepalive: opts.keepaliveSeconds ?? 15,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    queueQoSZero: false,
    ...(opts.will ? { will: opts.will } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
  });
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ending = false;
  client.on("connect", () => {
    attempt = 0;
    opts.log.info({ url: opts.url }, "mqtt connected");
  });
  client.on("error", (err) => opts.log.warn({ err: err.message }, "mqtt error"));
  client.on("close", () => {
    if (ending || client.disconnecting || timer) return;
    const delay = backoffDelay(attempt++, backoff);
    opts.log.info({ delayMs: delay, attempt }, "mqtt closed; reconnecting");
    timer = setTimeout(() => {
      timer = undefined;
      if (!ending) client.reconnect();
    }, delay);
    timer.unref();
  });
  client.on("end", () => {
    ending = true;
    if (timer) clearTimeout(timer);
  });
  return client;
}

/** Resolves with the promise's value, or undefined when it takes longer than `ms`. */
export async function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a client: politely (waiting for in-flight acks) for at most `graceMs`, then by force, so a
 * broker that stopped answering can never hang a shutdown.
 */
export async function endClient(client: MqttClient, graceMs = 2_000): Promise<void> {
  const ended = await within(
    graceMs,
    client.endAsync(false).then(() => true),
  );
  if (!ended) await client.endAsync(true);
}
