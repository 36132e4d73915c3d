// The hub's MQTT side: consumes kiosk ledgers, status and member pulls; publishes acks, configs and member changes.
import type { MqttClient } from "mqtt";
import type { Logger } from "../protocol/log.js";
import type { Clock } from "../protocol/clock.js";
import { connectWithBackoff, endClient } from "../protocol/mqtt-connect.js";
import { allDevicesFilter, deviceTopic, parseDeviceTopic, storeTopic, type DeviceAddress, type ParsedDeviceTopic } from "../protocol/topics.js";
import {
  ConfigReportSchema,
  DeviceStatusSchema,
  LedgerBatchSchema,
  MembersRequestSchema,
  PhotoRequestSchema,
  AuthRequestSchema,
  decodeMessage,
  encodeMessage,
  type MemberChange,
} from "../protocol/messages.js";
import { ProtocolError } from "../protocol/errors.js";
import type { DeviceRegistry } from "./devices.js";
import type { Ingest } from "./ingest.js";
import type { MemberRegistry, ScopedChange } from "./members.js";
import type { ConfigService, PublishedConfig } from "./config-service.js";
import type { Rollouts } from "./rollouts.js";
import type { Authorizer } from "./authorizer.js";

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
}

export class HubMqttLink {
  private client: MqttClient | undefined;
  readonly stats = { received: 0, invalid: 0 };

  constructor(
    private readonly opts: MqttLinkOptions,
    private readonly deps: {
      devices: DeviceRegistry;
      ingest: Ingest;
      members: MemberRegistry;
      configs: ConfigService;
      rollouts: Rollouts;
      authorizer: Authorizer;
      clock: Clock;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const { log } = this.deps;
    const client = connectWithBackoff({
      url: this.opts.url,
      clientId: this.opts.clientId,
      username: this.opts.username,
      password: this.opts.password,
      protocolVersion: this.opts.protocolVersion ?? 4,
      log,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    this.client = client;
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    client.on("connect", () => {
      void this.subscribeAndRepublish().catch((err: unknown) => log.error({ err }, "hub: subscribe failed"));
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub could not connect to ${this.opts.url}`)), 15_000);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.deps.rollouts.onSend = (deviceId, c) => this.publishConfig(deviceId, c);
    this.deps.members.onChange = (c) => this.pushMemberChanges(c);
  }

  async stop(): Promise<void> {
    this.deps.rollouts.onSend = undefined;
    this.deps.members.onChange = undefined;
    const client = this.client;
    this.client = undefined;
    // Nothing may reach the handlers once stopping starts: the database closes right after.
    client?.removeAllListeners("message");
    if (client) await endClient(client);
  }

  private async subscribeAndRepublish(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const channels = ["ledger", "status", "members/req", "config/report", "auth/req", "photos/req"] as const;
    await client.subscribeAsync(
      channels.map((c) => allDevicesFilter(this.opts.chainId, c, this.opts.shareGroup)),
      { qos: 1 },
    );
    // Retained messages may be gone (an embedded broker keeps them in memory): deliver every kiosk's desired version.
    for (const d of this.deps.devices.list()) {
      const desired = this.deps.rollouts.desiredFor(d.deviceId);
      if (desired) this.publishConfig(d.deviceId, desired);
    }
  }

  /** Delivers a bundle on one kiosk's retained config topic. */
  publishConfig(deviceId: string, config: PublishedConfig): void {
    const topic = deviceTopic({ chainId: this.opts.chainId, storeId: config.storeId, deviceId }, "config");
    this.client?.publish(topic, encodeMessage(config.envelope), { qos: 1, retain: true });
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
      const cursors = this.deps.members.cursorsBefore(pushes.map((p) => p.storeId), first);
      for (const { storeId, changes } of pushes) {
        const prevCursor = cursors.get(storeId) ?? 0;
        this.client.publish(storeTopic({ chainId: this.opts.chainId, storeId }, "members"), encodeMessage({ prevCursor, changes }), { qos: 1 });
      }
    }
  }

  private send(device: DeviceAddress, channel: "ack" | "members/res" | "photos/res" | "auth/res", body: unknown): void {
    this.client?.publish(deviceTopic(device, channel), encodeMessage(body), { qos: 1 });
  }

  /** Every inbound message: validated, dispatched; bad input is logged and changes nothing. */
  onMessage(topic: string, payload: Buffer): void {
    this.stats.received++;
    const { log } = this.deps;
    const parsed = parseDeviceTopic(topic);
    if (!parsed) {
      this.stats.invalid++;
      log.warn({ topic }, "hub: message on an unknown topic ignored");
      return;
    }
    const known = this.deps.devices.get(parsed.deviceId);
    if (!known || known.storeId !== parsed.storeId || known.chainId !== parsed.chainId) {
      this.stats.invalid++;
      log.warn({ topic }, "hub: message from an unknown device or the wrong store ignored");
      return;
    }
    try {
      this.dispatch(parsed, payload);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.stats.invalid++;
        log.warn({ topic, code: err.code, reason: err.message.slice(0, 300) }, "hub: malformed message ignored");
        return;
      }
      log.error({ err, topic }, "hub: failed to handle message");
    }
  }

  private dispatch(t: ParsedDeviceTopic, payload: Buffer): void {
    const { log } = this.deps;
    switch (t.channel) {
      case "ledger": {
        const batch = decodeMessage(LedgerBatchSchema, payload);
        const { ack, changes } = this.deps.ingest.handleBatch(t, batch);
        this.send(t, "ack", { ...ack, hubTime: this.deps.clock.now() });
        this.pushMemberChanges(changes);
        return;
      }
      case "members/req": {
        const req = decodeMessage(MembersRequestSchema, payload);
        this.send(t, "members/res", { ...this.deps.members.changesSince(t.storeId, req.cursor, req.limit, req.continuing), hubTime: this.deps.clock.now() });
        return;
      }
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
        this.deps.devices.recordStatus(t.deviceId, status);
        if (status.online) {
          // A kiosk coming online learns where the hub stands, so it can resend everything above it.
          this.send(t, "ack", { ackedSeq: this.deps.ingest.ackedSeq(t.deviceId), hubTime: this.deps.clock.now() });
          const desired = this.deps.rollouts.desiredFor(t.deviceId);
          if (desired && status.configVersion !== undefined && status.configVersion < desired.version) this.publishConfig(t.deviceId, desired);
        }
        return;
      }
      case "config/report": {
        const report = decodeMessage(ConfigReportSchema, payload);
        log.info({ device: t.deviceId, ...report }, "config report");
        this.deps.rollouts.report(t.deviceId, report);
        return;
      }
      default:
        log.warn({ channel: t.channel }, "hub: channel not handled");
    }
  }
}
