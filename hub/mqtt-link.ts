// The hub's MQTT side: consumes kiosk ledgers, status and member pulls; publishes acks, configs, member changes and its presence.
//
// Presence: once subscribed, the hub announces itself on the chain's retained presence topic
// (online, with its instance and start time; last will: offline), so kiosks tell a live hub from a
// live broker and resend from their acknowledged mark the moment it is back. With several hub
// instances the retained copy is the last writer's: when a peer's offline lands there, every
// instance still alive announces itself again after a short random delay (cancelled when another
// instance's online arrives first), so the topic never stays offline while a hub is running.
import type { Logger } from "../runtime/log.js";
import type { Clock } from "../protocol/clock.js";
import { connectMqtt, type ConnectMqtt, type MqttConnection } from "../runtime/mqtt-connection.js";
import { systemTimers, type TimerHandle, type Timers } from "../runtime/timers.js";
import {
  allDevicesFilter,
  deviceTopic,
  hubPresenceTopic,
  parseDeviceTopic,
  storeTopic,
  type DeviceAddress,
  type DeviceChannel,
  type ParsedDeviceTopic,
} from "../protocol/topics.js";
import {
  HubPresenceSchema,
  ConfigReportSchema,
  DeviceStatusSchema,
  MembersRequestSchema,
  PhotoRequestSchema,
  AuthRequestSchema,
  decodeMessage,
  encodeMessage,
  type Ack,
  type ConfigReport,
  type DeviceStatus,
  type MemberChange,
} from "../protocol/messages.js";
import { ProtocolError } from "../protocol/errors.js";
import { decodeLedgerBatch } from "../protocol/ledger-batch-decode.js";
import type { DeviceRegistry } from "./devices.js";
import type { Ingest } from "./ingest.js";
import type { MemberRegistry, ScopedChange } from "./members.js";
import type { ConfigService, PublishedConfig } from "./config-service.js";
import type { Rollouts } from "./rollouts.js";
import type { Authorizer } from "./authorizer.js";
import type { FleetCommands } from "./fleet.js";
import { CommandResultSchema } from "../protocol/commands.js";
import { catalogAnswer, catalogPush, followsCatalog } from "./catalog-link.js";
import { Turns } from "./turns.js";

export interface MqttLinkOptions {
  url: string;
  chainId: string;
  username: string;
  password: string;
  clientId: string;
  protocolVersion?: 4 | 5;
  /** Set to consume kiosk traffic through a shared subscription ($share/<group>/...). */
  shareGroup?: string;
  ca?: string | Buffer;
  /** This hub instance's name, announced on the presence topic. */
  instance?: string;
  /** Injected for tests (in-memory broker); default mqtt.js with jittered reconnects. */
  connect?: ConnectMqtt;
  /** Injected for tests (ManualTimers); default real, unref'd timers. */
  timers?: Timers;
  /** Random source in [0, 1) for the re-announce delay; injectable for tests. */
  random?: () => number;
  /** How long start() waits for the first connection (default 30 s: two connect attempts). */
  connectTimeoutMs?: number;
}

export class HubMqttLink {
  private client: MqttConnection | undefined;
  private readonly timers: Timers;
  private readonly instance: string;
  private readonly since: number;
  private reannounce: TimerHandle | undefined;
  /** Ledger batches applied in this thread (no worker), one per turn; a failure is counted as a handler's. */
  private readonly ledgerTurns: Turns;
  /** received/invalid: kiosk messages; handlerErrors: failures inside a handler, by channel (logged, counted, carried on). */
  readonly stats: { received: number; invalid: number; handlerErrors: Partial<Record<DeviceChannel | "presence", number>>; announcements: number } = {
    received: 0,
    invalid: 0,
    handlerErrors: {},
    announcements: 0,
  };

  constructor(
    private readonly opts: MqttLinkOptions,
    private readonly deps: {
      devices: DeviceRegistry;
      ingest: Ingest;
      /** Set on PostgreSQL and on SQLite with store.ingestWorkers 1: ledger batches are applied off the main thread (hub/ingest-pool.ts) instead of by `ingest`. */
      ledger?: {
        /** The message's bytes: decoded (decodeLedgerBatch, LedgerBatchSchema's check) where the batch is applied. */
        handleBatch(device: DeviceAddress, payload: Uint8Array): Promise<{ ack: Ack; changes: ScopedChange[] }>;
        /** The kiosk's status, written after its batches (they lock its device row). */
        recordStatus(deviceId: string, status: unknown): Promise<void>;
        /** The config version it runs, on the same row, likewise (Rollouts.recordApplied). */
        recordConfigApplied(deviceId: string, report: ConfigReport): Promise<void>;
      };
      members: MemberRegistry;
      configs: ConfigService;
      rollouts: Rollouts;
      authorizer: Authorizer;
      /** Remote commands to kiosks (hub/fleet.ts): the link sends them and passes the answers back. */
      fleet?: FleetCommands;
      clock: Clock;
      log: Logger;
    },
  ) {
    this.timers = opts.timers ?? systemTimers();
    this.ledgerTurns = new Turns((err) => this.deps.log.error({ err }, "hub: a ledger turn failed"));
    this.instance = opts.instance ?? opts.clientId;
    this.since = deps.clock.now();
  }

  private presence(online: boolean): Buffer {
    return encodeMessage({ online, instance: this.instance, since: this.since, at: online ? this.deps.clock.now() : 0 });
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    const client = (this.opts.connect ?? connectMqtt)({
      url: this.opts.url,
      clientId: this.opts.clientId,
      username: this.opts.username,
      password: this.opts.password,
      protocolVersion: this.opts.protocolVersion ?? 4,
      will: { topic: hubPresenceTopic(this.opts.chainId), payload: this.presence(false), qos: 1, retain: true },
      log,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    this.client = client;
    client.onMessage((topic, payload, retained) => this.onMessage(topic, payload, retained));
    let first: (() => void) | undefined;
    client.onConnect(() => {
      first?.();
      void this.subscribeAndRepublish().catch((err: unknown) => log.error({ err }, "hub: subscribe failed"));
    });
    let closes = 0;
    client.onClose(() => {
      closes++;
      this.timers.clear(this.reannounce);
      this.reannounce = undefined;
    });
    const waitMs = this.opts.connectTimeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = this.timers.set(
        () => reject(new Error(`hub could not connect to ${this.opts.url} within ${waitMs} ms (${closes} attempt(s) closed; see the "mqtt" log lines)`)),
        waitMs,
      );
      first = () => {
        first = undefined;
        this.timers.clear(timer);
        resolve();
      };
    });
    this.deps.rollouts.onSend = (deviceId, c) => this.publishConfig(deviceId, c);
    this.deps.members.onChange = (c) => this.pushMemberChanges(c);
    this.deps.configs.catalogs.onChange = (storeId, version) => this.pushCatalog(storeId, version);
    if (this.deps.fleet) this.deps.fleet.onSend = (device, envelope) => this.publishCommand(device, envelope);
  }

  /** A new store catalog version: its delta on the store's catalog topic (kiosks not holding the version before it pull). */
  private pushCatalog(storeId: string, version: number): void {
    if (!this.client) return;
    this.client.publish(storeTopic({ chainId: this.opts.chainId, storeId }, "catalog"), catalogPush(this.deps.configs.catalogs, storeId, version), { qos: 1 });
  }

  /** A signed command on one kiosk's commands topic (not retained: an old command must never wait there). */
  private publishCommand(device: DeviceAddress, envelope: unknown): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publish(deviceTopic(device, "commands"), encodeMessage(envelope), { qos: 1 });
    return true;
  }

  async stop(): Promise<void> {
    this.deps.rollouts.onSend = undefined;
    this.deps.members.onChange = undefined;
    this.deps.configs.catalogs.onChange = undefined;
    if (this.deps.fleet) this.deps.fleet.onSend = undefined;
    this.timers.clear(this.reannounce);
    const client = this.client;
    this.client = undefined;
    this.ledgerTurns.clear();
    if (!client) return;
    // Nothing may reach the handlers once stopping starts: the database closes right after.
    client.detachMessages();
    // Kiosks stop sending to a hub that said goodbye (a peer, if any, announces itself again).
    if (client.connected) await client.publishWithin(1_000, hubPresenceTopic(this.opts.chainId), this.presence(false), { qos: 1, retain: true });
    await client.end();
  }

  private async subscribeAndRepublish(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const channels = ["ledger", "status", "members/req", "config/report", "auth/req", "photos/req", "commands/result", "catalog/req"] as const;
    await client.subscribe([...channels.map((c) => allDevicesFilter(this.opts.chainId, c, this.opts.shareGroup)), hubPresenceTopic(this.opts.chainId)]);
    // Only now can a kiosk's resend reach this instance: say so (kiosks resend from their mark at once).
    this.announce();
    // Retained messages may be gone (an embedded broker keeps them in memory): deliver every kiosk's desired version.
    for (const d of this.deps.devices.list()) {
      const desired = this.deps.rollouts.desiredFor(d.deviceId);
      if (desired) this.publishConfig(d.deviceId, desired);
    }
  }

  /** Delivers a bundle on one kiosk's retained config topic (without the catalog to a kiosk that follows catalog deltas). */
  publishConfig(deviceId: string, config: PublishedConfig): void {
    const topic = deviceTopic({ chainId: this.opts.chainId, storeId: config.storeId, deviceId }, "config");
    const slim = followsCatalog(this.deps.devices.get(deviceId)?.lastStatus);
    this.client?.publish(topic, encodedBundle(slim ? this.deps.configs.kioskEnvelope(config) : config.envelope), { qos: 1, retain: true });
    this.deps.log.debug({ device: deviceId, version: config.version }, "config bundle delivered");
  }

  /**
   * Pushes committed changes to each store they concern, with the store's changelog position just
   * before them: a kiosk applies a push only when that equals its cursor, and pulls otherwise.
   */
  pushMemberChanges(scoped: ScopedChange[]): void {
    if (scoped.length === 0 || !this.client) return;
    // Stores grouped by where their changes start: one changelog query per group, not per store.
    const byFirst = new Map<number, Array<{ storeId: string; changes: MemberChange[] }>>();
    for (const storeId of this.deps.devices.storeIds()) {
      const changes: MemberChange[] = scoped.filter((c) => c.storeId === null || c.storeId === storeId).map((c) => c.change);
      if (changes.length === 0) continue;
      const first = Math.min(...changes.map((c) => c.seq));
      const group = byFirst.get(first) ?? [];
      group.push({ storeId, changes });
      byFirst.set(first, group);
    }
    for (const [first, pushes] of byFirst) {
      const cursors = this.deps.members.cursorsBefore(
        pushes.map((p) => p.storeId),
        first,
      );
      for (const { storeId, changes } of pushes) {
        const prevCursor = cursors.get(storeId) ?? 0;
        this.client.publish(storeTopic({ chainId: this.opts.chainId, storeId }, "members"), encodeMessage({ prevCursor, changes }), { qos: 1 });
      }
    }
  }

  private send(device: DeviceAddress, channel: "ack" | "members/res" | "photos/res" | "auth/res", body: unknown): void {
    this.sendBytes(device, channel, encodeMessage(body));
  }

  private sendBytes(device: DeviceAddress, channel: "ack" | "members/res" | "photos/res" | "auth/res" | "catalog/res", bytes: Buffer): void {
    this.client?.publish(deviceTopic(device, channel), bytes, { qos: 1 });
  }

  private announce(): void {
    this.timers.clear(this.reannounce);
    this.reannounce = undefined;
    if (!this.client?.connected) return;
    this.stats.announcements++;
    this.client.publish(hubPresenceTopic(this.opts.chainId), this.presence(true), { qos: 1, retain: true });
  }

  /** Another instance's presence: an offline one left the topic saying "no hub"; this one is here. */
  private onPresence(payload: Buffer, retained: boolean): void {
    if (payload.length === 0) return;
    const p = decodeMessage(HubPresenceSchema, payload);
    // Our own: the online just sent, or (delivered as retained on subscribing) the will of this
    // instance's previous connection, older than the announcement that follows every subscribe.
    if (p.instance === this.instance && p.since === this.since) return;
    if (p.online) {
      this.timers.clear(this.reannounce);
      this.reannounce = undefined;
      return;
    }
    // A retained offline predates this instance's subscription, so the announcement after it replaces it.
    if (retained || this.reannounce) return;
    const delay = Math.floor((this.opts.random ?? Math.random)() * 1_000);
    this.reannounce = this.timers.set(() => this.announce(), delay);
  }

  /** Every inbound message: validated, dispatched; bad input is logged and changes nothing; nothing thrown escapes. */
  onMessage(topic: string, payload: Buffer, retained = false): void {
    const { log } = this.deps;
    if (topic === hubPresenceTopic(this.opts.chainId)) {
      try {
        this.onPresence(payload, retained);
      } catch (err) {
        this.stats.handlerErrors.presence = (this.stats.handlerErrors.presence ?? 0) + 1;
        log.warn({ err: (err as Error).message }, "hub: presence message not understood");
      }
      return;
    }
    this.stats.received++;
    const parsed = parseDeviceTopic(topic);
    if (!parsed) {
      this.stats.invalid++;
      log.warn({ topic }, "hub: message on an unknown topic ignored");
      return;
    }
    try {
      const known = this.deps.devices.get(parsed.deviceId);
      if (!known || known.storeId !== parsed.storeId || known.chainId !== parsed.chainId) {
        this.stats.invalid++;
        log.warn({ topic }, "hub: message from an unknown device or the wrong store ignored");
        return;
      }
      this.dispatch(parsed, payload);
    } catch (err) {
      this.handlerFailed(topic, parsed.channel, err);
    }
  }

  private handlerFailed(topic: string, channel: DeviceChannel, err: unknown): void {
    const { log } = this.deps;
    if (err instanceof ProtocolError) {
      this.stats.invalid++;
      log.warn({ topic, code: err.code, reason: err.message.slice(0, 300) }, "hub: malformed message ignored");
      return;
    }
    this.stats.handlerErrors[channel] = (this.stats.handlerErrors[channel] ?? 0) + 1;
    const code = (err as { code?: unknown }).code;
    log.error({ err, topic, code: typeof code === "string" ? code : "HANDLER_FAILED" }, "hub: failed to handle message; dropped, the hub carries on");
  }

  private answerLedger(t: ParsedDeviceTopic, ack: Ack, changes: ScopedChange[]): void {
    // A batch a worker finished after stop(): nobody to tell (the kiosk resends; the mark says it is applied).
    if (!this.client) return;
    this.send(t, "ack", { ...ack, hubTime: this.deps.clock.now() });
    this.pushMemberChanges(changes);
  }

  /** Once the kiosk's status is recorded: a kiosk coming online hears the hub's mark, its config if behind, its pending commands. */
  private afterStatus(t: ParsedDeviceTopic, status: DeviceStatus, wasOnline: boolean): void {
    if (!status.online) return;
    // A kiosk coming online learns where the hub stands, so it can resend everything above it.
    this.send(t, "ack", { ackedSeq: this.deps.ingest.ackedSeq(t.deviceId), hubTime: this.deps.clock.now() });
    const desired = this.deps.rollouts.desiredFor(t.deviceId);
    if (desired && status.configVersion !== undefined && status.configVersion < desired.version) this.publishConfig(t.deviceId, desired);
    // Kiosks connect with a clean session: commands sent while it was away go again inside their lifetime.
    if (!wasOnline) this.deps.fleet?.resendPending(t.deviceId);
  }

  private dispatch(t: ParsedDeviceTopic, payload: Buffer): void {
    const { log } = this.deps;
    switch (t.channel) {
      case "ledger": {
        if (this.deps.ledger) {
          // Decoded and applied in the kiosk's worker, answered here; failures are counted and logged as a handler's are.
          void this.deps.ledger
            .handleBatch(t, payload)
            .then(({ ack, changes }) => this.answerLedger(t, ack, changes))
            .catch((err: unknown) => this.handlerFailed(deviceTopic(t, "ledger"), "ledger", err));
          return;
        }
        // In this thread: one batch per event-loop turn (hub/turns.ts), so HTTP is served between them.
        this.ledgerTurns.push(() => {
          if (!this.client) return;
          try {
            const { ack, changes } = this.deps.ingest.handleBatch(t, decodeLedgerBatch(payload));
            this.answerLedger(t, ack, changes);
          } catch (err) {
            this.handlerFailed(deviceTopic(t, "ledger"), "ledger", err);
          }
        });
        return;
      }
      case "members/req": {
        const req = decodeMessage(MembersRequestSchema, payload);
        this.send(t, "members/res", { ...this.deps.members.changesSince(t.storeId, req.cursor, req.limit, req.continuing), hubTime: this.deps.clock.now() });
        return;
      }
      case "catalog/req":
        this.sendBytes(t, "catalog/res", catalogAnswer(this.deps.configs.catalogs, t.storeId, payload));
        return;
      case "photos/req": {
        const req = decodeMessage(PhotoRequestSchema, payload);
        const photo = this.deps.members.photo(req.hash);
        this.send(
          t,
          "photos/res",
          photo ? { found: true, hash: req.hash, mime: photo.mime, data: Buffer.from(photo.bytes).toString("base64") } : { found: false, hash: req.hash },
        );
        return;
      }
      case "auth/req": {
        const req = decodeMessage(AuthRequestSchema, payload);
        this.send(t, "auth/res", { ...this.deps.authorizer.authorize(t.deviceId, req), hubTime: this.deps.clock.now() });
        return;
      }
      case "status": {
        const status = decodeMessage(DeviceStatusSchema, payload);
        const wasOnline = this.deps.fleet ? (this.deps.devices.get(t.deviceId)?.lastStatus as { online?: unknown } | null)?.online === true : false;
        if (this.deps.ledger) {
          // Written in the kiosk's worker (its batch transactions hold the device row), then answered here.
          void this.deps.ledger
            .recordStatus(t.deviceId, status)
            .then(() => {
              // Recorded after stop(): nobody to answer.
              if (this.client) this.afterStatus(t, status, wasOnline);
            })
            .catch((err: unknown) => this.handlerFailed(deviceTopic(t, "status"), "status", err));
          return;
        }
        this.deps.devices.recordStatus(t.deviceId, status);
        this.afterStatus(t, status, wasOnline);
        return;
      }
      case "commands/result": {
        const result = decodeMessage(CommandResultSchema, payload);
        if (this.deps.fleet) this.deps.fleet.onResult(t.deviceId, result);
        else log.warn({ device: t.deviceId }, "hub: a command answer arrived but this hub sends no commands");
        return;
      }
      case "config/report": {
        const report = decodeMessage(ConfigReportSchema, payload);
        log.info({ device: t.deviceId, ...report }, "config report");
        if (this.deps.ledger) {
          // The device-row half in the kiosk's worker (its batches hold that row), the rollout's half here after it.
          void this.deps.ledger
            .recordConfigApplied(t.deviceId, report)
            .then(() => {
              if (this.client) this.deps.rollouts.reportTarget(t.deviceId, report);
            })
            .catch((err: unknown) => this.handlerFailed(deviceTopic(t, "config/report"), "config/report", err));
          return;
        }
        this.deps.rollouts.report(t.deviceId, report);
        return;
      }
      default:
        log.warn({ channel: t.channel }, "hub: channel not handled");
    }
  }
}

/**
 * A bundle's bytes, encoded once per envelope (ConfigService caches one object per version): on every
 * (re)connect the hub delivers each kiosk's bundle again, and a 50,000-item catalog is 6 MB of JSON
 * per kiosk to stringify (about 0.15 s each, with the kiosks' resends waiting behind it).
 */
const bundleBytes = new WeakMap<object, Buffer>();
function encodedBundle(envelope: object): Buffer {
  let bytes = bundleBytes.get(envelope);
  if (!bytes) {
    bytes = encodeMessage(envelope);
    bundleBytes.set(envelope, bytes);
  }
  return bytes;
}
