// KioskSync: the kiosk's MQTT side, a small facade over the outbox sender, config receiver, member follower and authorisation client.
//
// It owns the connection (injected: tests pass an in-memory one and ManualTimers), routes each
// inbound message to its part, and guards every handler: whatever a handler throws (a malformed
// message, a full disk) is logged and counted per channel, and the kiosk carries on.
import type { Logger } from "../runtime/log.js";
import type { Clock, OffsetClock } from "../protocol/clock.js";
import type { BackoffOptions } from "../runtime/mqtt-connect.js";
import { connectMqtt, type ConnectMqtt, type MqttConnection } from "../runtime/mqtt-connection.js";
import { systemTimers, type TimerHandle, type Timers } from "../runtime/timers.js";
import { deviceTopic, hubPresenceTopic, storeTopic, type DeviceAddress, type DeviceChannel } from "../protocol/topics.js";
import {
  AckSchema,
  HubPresenceSchema,
  decodeMessage,
  encodeMessage,
  type AuthRequest,
  type AuthResponse,
  type ConfigContent,
  type DeviceStatus,
} from "../protocol/messages.js";
import { ProtocolError } from "../protocol/errors.js";
import type { KioskStore } from "./store.js";
import type { SyncLink } from "./sync/link.js";
import { OutboxSender, type OutboxOptions } from "./sync/outbox-sender.js";
import { ConfigReceiver, type ConfigListener } from "./sync/config-receiver.js";
import { MemberFollower } from "./sync/member-follower.js";
import { AuthClient } from "./sync/auth-client.js";
import { HubPresenceTracker, type PresenceState } from "./sync/presence.js";
import { CatalogFollower } from "./sync/catalog-follower.js";
import { KioskCatalogStore } from "./catalog-store.js";
import type { CommandResult } from "../protocol/commands.js";

export type { ConfigListener };

export interface SyncOptions extends OutboxOptions {
  address: DeviceAddress;
  url: string;
  username: string;
  password: string;
  /** keyId -> HQ public key, trusted for config bundles. */
  trustedKeys: Readonly<Record<string, string>>;
  protocolVersion?: 4 | 5;
  ca?: string | Buffer;
  heartbeatMs?: number;
  /** After connecting, how long to wait for the hub's retained presence before sending anyway (default 2 s). */
  presenceGraceMs?: number;
  backoff?: BackoffOptions;
  /** Injected for tests (in-memory broker); default mqtt.js with jittered reconnects. */
  connect?: ConnectMqtt;
  /** Injected for tests (ManualTimers); default real, unref'd timers. */
  timers?: Timers;
  /** Extra fields for the status message (driver health, software version), read at each status. */
  statusExtras?: () => Pick<DeviceStatus, "health" | "software">;
}

/** Inbound channels, as labelled in the handler-error counter. */
export type InboundChannel =
  | "ack"
  | "config"
  | "members/res"
  | "members"
  | "photos/res"
  | "auth/res"
  | "commands"
  | "presence"
  | "catalog"
  | "catalog/res"
  | "unknown";
/** Where a handler failure happened: an inbound channel, or the kiosk's own timers and calls. */
export type HandlerChannel = InboundChannel | "heartbeat" | "outbox";

/** What the kiosk knows of the hub (health, kioskctl status, the status message). */
export interface HubView {
  presence: PresenceState;
  instance?: string;
  lastAckAgeMs?: number;
  oldestUnackedAgeMs?: number;
}

export class KioskSync {
  private conn: MqttConnection | undefined;
  private heartbeat: TimerHandle | undefined;
  private readonly timers: Timers;
  private readonly link: SyncLink;
  private readonly presence: HubPresenceTracker;
  readonly outbox: OutboxSender;
  private readonly configs: ConfigReceiver;
  readonly members: MemberFollower;
  readonly catalog: CatalogFollower;
  private readonly auth: AuthClient;
  private readonly errorCounts: Partial<Record<HandlerChannel, number>> = {};
  private readonly counters = { invalid: 0 };
  private commandListener: ((payload: Buffer) => void) | undefined;

  constructor(
    private readonly opts: SyncOptions,
    private readonly store: KioskStore,
    private readonly clock: OffsetClock,
    private readonly baseClock: Clock,
    private readonly log: Logger,
  ) {
    this.timers = opts.timers ?? systemTimers();
    const self = this;
    this.link = {
      get connected() {
        return self.conn?.connected ?? false;
      },
      send: (channel, body, o) => this.send(channel, body, o?.retain ?? false),
    };
    this.presence = new HubPresenceTracker(baseClock);
    this.outbox = new OutboxSender(opts, this.link, store, this.presence, this.timers, log);
    this.configs = new ConfigReceiver(opts.address, opts.trustedKeys, this.link, store, clock, log);
    this.members = new MemberFollower(this.link, store, clock, log, () => this.publishStatus(true));
    this.catalog = new CatalogFollower(opts.address, opts.trustedKeys, this.link, new KioskCatalogStore(store.database), log);
    // A bundle naming a catalog version newer than the one held: the push may have been lost, pull.
    this.configs.onConfig((c) => {
      if (c.catalogVersion !== undefined && c.catalogVersion > this.catalog.version) this.catalog.request();
      if (this.catalog.version > 0) this.configs.dropBundledCatalog();
    });
    // Pricing with the catalog held: a whole bundle's own catalog is never read again.
    if (this.catalog.version > 0) this.configs.dropBundledCatalog();
    this.catalog.onChanged(() => this.configs.dropBundledCatalog());
    this.auth = new AuthClient(this.link, this.timers, log);
  }

  /** Counters for /metrics, read at scrape time. */
  get stats() {
    const o = this.outbox.stats;
    return {
      ...o,
      invalid: this.counters.invalid,
      ...this.configs.stats,
      ...this.members.stats,
      ...this.catalog.stats,
      ...this.auth.stats,
      handlerErrors: { ...this.errorCounts } as Readonly<Partial<Record<HandlerChannel, number>>>,
    };
  }

  /** The config the kiosk prices with: the bundle in force, with the store catalog version held when it follows catalog deltas. */
  get current(): ConfigContent | undefined {
    return this.catalog.assemble(this.configs.current);
  }

  /** The rules check of a bundle before it replaces the one in force (a bundle without its catalog: with the catalog held). */
  checkBundle(content: ConfigContent): void {
    this.catalog.checkBundle(content);
  }

  onCatalogChanged(listener: () => void): void {
    this.catalog.onChanged(listener);
  }

  /** Connected to the broker. Whether the hub is there too: `hub()`. */
  get connected(): boolean {
    return this.link.connected;
  }

  /** The hub itself: its presence, the age of its last ack, the oldest entry it has not acknowledged. */
  hub(): HubView {
    const oldest = this.oldestUnackedAt();
    const lastAck = this.presence.lastAckAgeMs();
    return {
      presence: this.connected ? this.presence.state : "unknown",
      ...(this.presence.instance ? { instance: this.presence.instance } : {}),
      ...(lastAck !== undefined ? { lastAckAgeMs: lastAck } : {}),
      ...(oldest !== undefined ? { oldestUnackedAgeMs: Math.max(0, Math.round(this.clock.now() - oldest)) } : {}),
    };
  }

  private oldestUnackedAt(): number | undefined {
    return this.store.pending(this.store.ackedSeq() + 1, 1)[0]?.at;
  }

  onConfig(listener: ConfigListener): void {
    this.configs.onConfig(listener);
  }

  onMembersChanged(listener: () => void): void {
    this.members.onMembersChanged(listener);
  }

  /** Remote commands from the hub (device/commands.ts verifies and runs them). */
  onCommand(listener: (payload: Buffer) => void): void {
    this.commandListener = listener;
  }

  /** A command's answer on this kiosk's commands/result topic; false when not connected. */
  sendCommandResult(result: CommandResult): boolean {
    return this.send("commands/result", result, false);
  }

  async start(): Promise<void> {
    const a = this.opts.address;
    const conn = (this.opts.connect ?? connectMqtt)({
      url: this.opts.url,
      clientId: `kiosk-${a.deviceId}`,
      username: this.opts.username,
      password: this.opts.password,
      protocolVersion: this.opts.protocolVersion ?? 4,
      will: { topic: deviceTopic(a, "status"), payload: encodeMessage({ online: false, at: 0 }), qos: 1, retain: true },
      log: this.log,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    this.conn = conn;
    conn.onMessage((topic, payload) => this.onMessage(topic, payload));
    conn.onConnect(() => {
      void this.onConnected().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "sync: setup after connect failed"));
    });
    conn.onClose(() => this.outbox.clearInFlight());
    this.scheduleHeartbeat();
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = this.timers.set(() => {
      this.guard("heartbeat", () => this.publishStatus(true));
      this.scheduleHeartbeat();
    }, this.opts.heartbeatMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.timers.clear(this.heartbeat);
    this.heartbeat = undefined;
    this.outbox.stop();
    const conn = this.conn;
    if (!conn) return;
    // Nothing may reach the handlers once stopping starts: the database closes right after.
    conn.detachMessages();
    if (conn.connected) {
      await conn.publishWithin(1_000, deviceTopic(this.opts.address, "status"), encodeMessage(this.status(false)), { qos: 1, retain: true });
    }
    this.conn = undefined;
    await conn.end();
  }

  /** Simulates a crash: drops the connection without a clean disconnect (the broker sends the will). */
  async kill(): Promise<void> {
    this.timers.clear(this.heartbeat);
    this.outbox.stop();
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.detachMessages();
      await conn.destroy();
    }
  }

  private async onConnected(): Promise<void> {
    const a = this.opts.address;
    const conn = this.conn;
    if (!conn) return;
    await conn.subscribe([
      hubPresenceTopic(a.chainId),
      deviceTopic(a, "config"),
      storeTopic(a, "members"),
      storeTopic(a, "catalog"),
      deviceTopic(a, "catalog/res"),
      deviceTopic(a, "ack"),
      deviceTopic(a, "members/res"),
      deviceTopic(a, "auth/res"),
      deviceTopic(a, "photos/res"),
      deviceTopic(a, "commands"),
    ]);
    this.publishStatus(true);
    this.members.reconnected();
    this.catalog.request();
    this.outbox.connected(this.opts.presenceGraceMs ?? 2_000);
  }

  private status(online: boolean): DeviceStatus {
    const q = this.store.quarantine(5);
    const hub = this.hub();
    return {
      online,
      at: this.clock.now(),
      configVersion: this.store.configVersion(),
      catalogVersion: this.catalog.version,
      lastSeq: this.store.lastSeq(),
      ackedSeq: this.store.ackedSeq(),
      outboxDepth: this.store.outboxDepth(),
      clockOffsetMs: Math.round(this.clock.offset),
      ...(q.count > 0 ? { quarantine: { count: q.count, recent: q.recent.map(({ at: _at, ...r }) => r) } } : {}),
      hub: {
        presence: hub.presence,
        ...(hub.lastAckAgeMs !== undefined ? { lastAckAgeMs: hub.lastAckAgeMs } : {}),
        ...(hub.oldestUnackedAgeMs !== undefined ? { oldestUnackedAgeMs: hub.oldestUnackedAgeMs } : {}),
      },
      ...this.opts.statusExtras?.(),
    };
  }

  private publishStatus(online: boolean): void {
    this.send("status", this.status(online), true);
  }

  private send(channel: DeviceChannel, body: unknown, retain: boolean): boolean {
    const conn = this.conn;
    if (!conn?.connected) return false;
    conn.publish(deviceTopic(this.opts.address, channel), encodeMessage(body), { qos: 1, retain });
    return true;
  }

  requestMembers(): void {
    this.guard("members", () => this.members.requestMembers());
  }

  /** Asks the hub to hold stored value / points (undefined when it does not answer by `deadlineMs`). */
  authorize(req: AuthRequest, deadlineMs: number): Promise<AuthResponse | undefined> {
    return this.auth.authorize(req, deadlineMs);
  }

  /** Sends the next batch above the hub's mark, unless one is already waiting for its ack. */
  flush(): void {
    this.guard("outbox", () => this.outbox.flush());
  }

  fetchMissingPhotos(): void {
    this.members.fetchMissingPhotos();
  }

  /** Every inbound message: validated and applied, or logged, counted and ignored; never thrown. */
  onMessage(topic: string, payload: Buffer): void {
    const channel = this.channelOf(topic);
    this.guard(channel, () => this.dispatch(channel, topic, payload));
  }

  private channelOf(topic: string): InboundChannel {
    const a = this.opts.address;
    if (topic === deviceTopic(a, "ack")) return "ack";
    if (topic === deviceTopic(a, "config")) return "config";
    if (topic === deviceTopic(a, "members/res")) return "members/res";
    if (topic === storeTopic(a, "members")) return "members";
    if (topic === storeTopic(a, "catalog")) return "catalog";
    if (topic === deviceTopic(a, "catalog/res")) return "catalog/res";
    if (topic === deviceTopic(a, "photos/res")) return "photos/res";
    if (topic === deviceTopic(a, "auth/res")) return "auth/res";
    if (topic === deviceTopic(a, "commands")) return "commands";
    if (topic === hubPresenceTopic(a.chainId)) return "presence";
    return "unknown";
  }

  private dispatch(channel: InboundChannel, topic: string, payload: Buffer): void {
    switch (channel) {
      case "ack": {
        const ack = decodeMessage(AckSchema, payload);
        this.presence.noteAnswer("ack");
        this.learnHubTime(ack.hubTime);
        this.outbox.onAck(ack);
        return;
      }
      case "config":
        this.configs.onMessage(payload);
        return;
      case "members/res":
        this.presence.noteAnswer("other");
        this.learnHubTime(this.members.onPage(payload));
        return;
      case "members":
        this.members.onPush(payload);
        return;
      case "catalog":
        this.catalog.onMessage(payload);
        return;
      case "catalog/res":
        this.presence.noteAnswer("other");
        this.catalog.onMessage(payload);
        return;
      case "photos/res":
        this.members.onPhoto(payload);
        return;
      case "auth/res":
        this.presence.noteAnswer("other");
        this.learnHubTime(this.auth.onMessage(payload).hubTime);
        return;
      case "presence":
        this.onPresence(payload);
        return;
      case "commands":
        this.presence.noteAnswer("other");
        if (this.commandListener) this.commandListener(payload);
        else this.log.warn("sync: a command arrived but this kiosk takes none; ignored");
        return;
      default:
        this.log.warn({ topic }, "sync: message on an unexpected topic ignored");
    }
  }

  private onPresence(payload: Buffer): void {
    if (payload.length === 0) return;
    const p = decodeMessage(HubPresenceSchema, payload);
    const fresh = this.presence.update(p);
    if (!p.online) {
      this.log.warn({ instance: p.instance }, "sync: the hub says it is offline; selling offline until it is back");
      this.outbox.hubOffline();
      return;
    }
    if (!fresh) return;
    this.log.info({ instance: p.instance, since: p.since }, "sync: hub online; resending from the acknowledged mark");
    this.outbox.hubOnline();
  }

  /** Runs a handler: a ProtocolError is a bad message (counted as invalid); anything else is a handler failure. */
  private guard(channel: HandlerChannel, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.counters.invalid++;
        this.log.warn({ channel, code: err.code, reason: err.message.slice(0, 300) }, "sync: malformed message ignored");
        return;
      }
      this.errorCounts[channel] = (this.errorCounts[channel] ?? 0) + 1;
      const e = err as { code?: unknown; message?: unknown };
      this.log.error(
        { channel, code: typeof e.code === "string" ? e.code : "HANDLER_FAILED", err: String(e.message ?? err).slice(0, 300) },
        "sync: message handler failed; message dropped, the kiosk carries on",
      );
    }
  }

  private learnHubTime(hubTime: number | undefined): void {
    if (hubTime === undefined) return;
    this.clock.setOffset(hubTime - this.baseClock.now());
  }
}
