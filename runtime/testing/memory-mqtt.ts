// An in-memory MQTT broker for fake-time tests: topic filters (+, #), retained messages, last wills, explicit delivery.
//
// Nothing is delivered until the test calls `pump()`, so a handler never runs inside the publish
// that caused it (as with a real broker), and a test decides exactly when messages arrive.
import type { ConnectOptions } from "../mqtt-connect.js";
import type { ConnectMqtt, MqttConnection, PublishOptions } from "../mqtt-connection.js";

/** True when an MQTT topic filter matches a topic. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Queued {
  to: MemoryConnection;
  topic: string;
  payload: Buffer;
  retained: boolean;
}

export class MemoryBroker {
  private readonly retained = new Map<string, Buffer>();
  private readonly queue: Queued[] = [];
  readonly connections: MemoryConnection[] = [];
  /** Every publish, in order (topic and text), for assertions. */
  readonly log: Array<{ from: string; topic: string; payload: string; retain: boolean }> = [];
  /** Topics whose messages are dropped instead of routed (a broker that loses them). */
  readonly dropping = new Set<string>();

  /** A ConnectMqtt for services under test: each call makes a connection that opens on the next pump. */
  readonly connect: ConnectMqtt = (opts: ConnectOptions) => {
    const c = new MemoryConnection(this, opts);
    this.connections.push(c);
    return c;
  };

  publish(from: MemoryConnection | undefined, topic: string, payload: string | Buffer, opts: PublishOptions = {}): void {
    const bytes = Buffer.from(payload);
    this.log.push({ from: from?.clientId ?? "test", topic, payload: bytes.toString("utf8"), retain: opts.retain ?? false });
    if ([...this.dropping].some((f) => topicMatches(f, topic))) return;
    if (opts.retain) {
      if (bytes.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, bytes);
    }
    for (const c of this.connections) {
      if (c.connected && c.filters.some((f) => topicMatches(f, topic))) this.queue.push({ to: c, topic, payload: bytes, retained: false });
    }
  }

  subscribe(c: MemoryConnection, filters: readonly string[]): void {
    for (const f of filters) {
      if (!c.filters.includes(f)) c.filters.push(f);
      for (const [topic, payload] of this.retained) if (topicMatches(f, topic)) this.queue.push({ to: c, topic, payload, retained: true });
    }
  }

  retainedOn(topic: string): string | undefined {
    return this.retained.get(topic)?.toString("utf8");
  }

  /** Delivers queued messages (and what their handlers publish) until none are left; returns how many. */
  pump(max = 100_000): number {
    let n = 0;
    for (const c of this.connections) c.openIfPending();
    while (this.queue.length > 0) {
      if (++n > max) throw new Error("memory broker: message loop does not settle");
      const m = this.queue.shift()!;
      if (m.to.connected) m.to.deliver(m.topic, m.payload, m.retained);
      for (const c of this.connections) c.openIfPending();
    }
    return n;
  }

  /** Messages published on topics matching `filter` (parsed JSON). */
  published(filter: string): unknown[] {
    return this.log.filter((l) => topicMatches(filter, l.topic)).map((l) => (l.payload === "" ? undefined : JSON.parse(l.payload)));
  }
}

export class MemoryConnection implements MqttConnection {
  readonly filters: string[] = [];
  private isConnected = false;
  private pendingOpen = true;
  private ended = false;
  private readonly messageFns: Array<(topic: string, payload: Buffer, retained: boolean) => void> = [];
  private readonly connectFns: Array<() => void> = [];
  private readonly closeFns: Array<() => void> = [];

  constructor(
    private readonly broker: MemoryBroker,
    private readonly opts: ConnectOptions,
  ) {}

  get clientId(): string {
    return this.opts.clientId;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  openIfPending(): void {
    if (!this.pendingOpen || this.ended) return;
    this.pendingOpen = false;
    this.isConnected = true;
    for (const fn of this.connectFns) fn();
  }

  /** The network drops (the broker publishes the will); `reconnect()` opens again on the next pump. */
  drop(): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    this.filters.length = 0;
    const will = this.opts.will;
    if (will) this.broker.publish(this, will.topic, Buffer.from(will.payload as string | Buffer), { qos: 1, retain: will.retain ?? false });
    for (const fn of this.closeFns) fn();
  }

  reconnect(): void {
    if (!this.ended) this.pendingOpen = true;
  }

  deliver(topic: string, payload: Buffer, retained = false): void {
    for (const fn of [...this.messageFns]) fn(topic, payload, retained);
  }

  publish(topic: string, payload: string | Buffer, opts?: PublishOptions): void {
    if (this.isConnected) this.broker.publish(this, topic, payload, opts);
  }

  async publishWithin(_ms: number, topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void> {
    this.publish(topic, payload, opts);
  }

  async subscribe(filters: readonly string[]): Promise<void> {
    if (this.isConnected) this.broker.subscribe(this, filters);
  }

  onMessage(fn: (topic: string, payload: Buffer, retained: boolean) => void): void {
    this.messageFns.push(fn);
  }

  onConnect(fn: () => void): void {
    this.connectFns.push(fn);
  }

  onClose(fn: () => void): void {
    this.closeFns.push(fn);
  }

  detachMessages(): void {
    this.messageFns.length = 0;
  }

  async end(): Promise<void> {
    this.ended = true;
    this.pendingOpen = false;
    if (this.isConnected) {
      this.isConnected = false;
      this.filters.length = 0;
      for (const fn of this.closeFns) fn();
    }
  }

  async destroy(): Promise<void> {
    this.ended = true;
    this.pendingOpen = false;
    this.drop();
  }
}
