// The kiosk's MQTT side: sends the outbox in batches until acknowledged, applies signed configs and member changes.
//
// Durability lives in SQLite, not in mqtt.js: the outbox is resent from the hub's high-water mark
// after every (re)connect, one batch in flight at a time, re-sent when no ack arrives in time.
import type { MqttClient } from "mqtt";
import type { Logger } from "../protocol/log.js";
import type { Clock, OffsetClock } from "../protocol/clock.js";
import { connectWithBackoff, endClient, within, type BackoffOptions } from "../protocol/mqtt-connect.js";
import { deviceTopic, storeTopic, type DeviceAddress } from "../protocol/topics.js";
import { createHash } from "node:crypto";
import {
  AckSchema,
  AuthResponseSchema,
  ConfigContentSchema,
  MembersPageSchema,
  MembersPushSchema,
  PhotoResponseSchema,
  type AuthRequest,
  type AuthResponse,
  decodeMessage,
  encodeMessage,
  type ConfigContent,
  type ConfigReport,
  type DeviceStatus,
} from "../protocol/messages.js";
import { openEnvelope, SignedEnvelopeSchema } from "../protocol/signing.js";
import { ProtocolError } from "../protocol/errors.js";
import type { KioskStore } from "./store.js";

export interface SyncOptions {
  address: DeviceAddress;
  url: string;
  username: string;
  password: string;
  /** keyId -> HQ public key, trusted for config bundles. */
  trustedKeys: Readonly<Record<string, string>>;
  protocolVersion?: 4 | 5;
  ca?: string | Buffer;
  batchSize?: number;
  /** How long a batch waits for its ack before it is sent again; doubles on each further miss (default 5 s). */
  ackTimeoutMs?: number;
  /** The longest wait for an ack after repeated misses (default 60 s). */
  maxAckTimeoutMs?: number;
  heartbeatMs?: number;
  backoff?: BackoffOptions;
}

export type ConfigListener = (content: ConfigContent) => void;

export class KioskSync {
  private client: MqttClient | undefined;
  private inFlight: NodeJS.Timeout | undefined;
  /** The last sequence number of the batch waiting for its ack. */
  private inFlightLast = 0;
  /** The current wait for an ack: a hub working through a backlog is not sent the same batch ever faster. */
  private ackWaitMs: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private config: ConfigContent | undefined;
  private readonly configListeners: ConfigListener[] = [];
  private membersListeners: Array<() => void> = [];
  private snapshotting = false;
  private readonly photoRequests = new Set<string>();
  private readonly authWaiters = new Map<string, (r: AuthResponse) => void>();
  readonly stats = { batchesSent: 0, acks: 0, staleAcks: 0, invalid: 0, configsApplied: 0, configsRefused: 0, photosFetched: 0, photosRefused: 0, authTimeouts: 0 };
  /** Extra fields for the status message (driver health). */
  statusExtras: () => Pick<DeviceStatus, "health"> = () => ({});

  constructor(
    private readonly opts: SyncOptions,
    private readonly store: KioskStore,
    private readonly clock: OffsetClock,
    private readonly baseClock: Clock,
    private readonly log: Logger,
  ) {
    this.config = this.loadStoredConfig();
  }

  /** The config in force (from the last verified bundle), if any. */
  get current(): ConfigContent | undefined {
    return this.config;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  onConfig(listener: ConfigListener): void {
    this.configListeners.push(listener);
  }

  onMembersChanged(listener: () => void): void {
    this.membersListeners.push(listener);
  }

  private loadStoredConfig(): ConfigContent | undefined {
    const env = this.store.appliedEnvelope();
    if (!env) return undefined;
    try {
      return openEnvelope(env, this.opts.trustedKeys, ConfigContentSchema);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, "stored config no longer verifies; waiting for a new bundle");
      return undefined;
    }
  }

  async start(): Promise<void> {
    const a = this.opts.address;
    const client = connectWithBackoff({
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
    this.client = client;
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    client.on("connect", () => {
      void this.onConnected().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "sync: setup after connect failed"));
    });
    client.on("close", () => this.clearInFlight());
    this.heartbeat = setInterval(() => this.publishStatus(true), this.opts.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.clearInFlight();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // Nothing may reach the handlers once stopping starts: the database closes right after.
    client.removeAllListeners("message");
    if (client.connected) {
      const bye = client.publishAsync(deviceTopic(this.opts.address, "status"), encodeMessage(this.status(false)), { qos: 1, retain: true });
      await within(1_000, bye.catch(() => undefined));
    }
    await endClient(client);
  }

  /** Simulates a crash: drops the connection without a clean disconnect (the broker sends the will). */
  async kill(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.clearInFlight();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners("message");
      client.stream.destroy();
      await client.endAsync(true);
    }
  }

  private async onConnected(): Promise<void> {
    const a = this.opts.address;
    const client = this.client;
    if (!client) return;
    await client.subscribeAsync(
      [deviceTopic(a, "config"), storeTopic(a, "members"), deviceTopic(a, "ack"), deviceTopic(a, "members/res"), deviceTopic(a, "auth/res"), deviceTopic(a, "photos/res")],
      { qos: 1 },
    );
    this.publishStatus(true);
    this.requestMembers();
    // Photo requests lost with the last connection are asked again.
    this.photoRequests.clear();
    this.fetchMissingPhotos();
    this.flush();
  }

  private status(online: boolean): DeviceStatus {
    return {
      online,
      at: this.clock.now(),
      configVersion: this.store.configVersion(),
      lastSeq: this.store.lastSeq(),
      ackedSeq: this.store.ackedSeq(),
      outboxDepth: this.store.outboxDepth(),
      clockOffsetMs: Math.round(this.clock.offset),
      ...this.statusExtras(),
    };
  }

  private publishStatus(online: boolean): void {
    if (!this.client?.connected) return;
    this.client.publish(deviceTopic(this.opts.address, "status"), encodeMessage(this.status(online)), { qos: 1, retain: true });
  }

  requestMembers(): void {
    if (!this.client?.connected) return;
    this.client.publish(
      deviceTopic(this.opts.address, "members/req"),
      encodeMessage({ cursor: this.store.memberCursor(), limit: 500, continuing: this.snapshotting }),
      { qos: 1 },
    );
  }

  /**
   * Asks the hub to hold stored value / points for a payment. Resolves with the hub's answer, or
   * undefined when it does not come within `deadlineMs` (the caller then applies the offline limits).
   */
  authorize(req: AuthRequest, deadlineMs: number): Promise<AuthResponse | undefined> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.authWaiters.delete(req.requestId);
        this.stats.authTimeouts++;
        this.log.warn({ requestId: req.requestId, deadlineMs }, "sync: hub did not answer the authorisation in time");
        resolve(undefined);
      }, deadlineMs);
      this.authWaiters.set(req.requestId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      client.publish(deviceTopic(this.opts.address, "auth/req"), encodeMessage(req), { qos: 1 });
    });
  }

  /** Sends the next batch above the hub's mark, unless one is already waiting for its ack. */
  flush(): void {
    const client = this.client;
    if (!client?.connected || this.inFlight) return;
    const entries = this.store.pending(this.store.ackedSeq() + 1, this.opts.batchSize ?? 200);
    if (entries.length === 0) return;
    client.publish(deviceTopic(this.opts.address, "ledger"), encodeMessage({ entries }), { qos: 1 });
    this.stats.batchesSent++;
    this.inFlightLast = entries.at(-1)!.seq;
    const base = this.opts.ackTimeoutMs ?? 5_000;
    const wait = this.ackWaitMs ?? base;
    this.inFlight = setTimeout(() => {
      this.inFlight = undefined;
      this.ackWaitMs = Math.min(wait * 2, Math.max(base, this.opts.maxAckTimeoutMs ?? 60_000));
      this.log.info({ from: entries[0]?.seq, waitedMs: wait, nextWaitMs: this.ackWaitMs }, "sync: no ack in time; resending");
      this.flush();
    }, wait);
    this.inFlight.unref();
  }

  private clearInFlight(): void {
    if (this.inFlight) clearTimeout(this.inFlight);
    this.inFlight = undefined;
  }

  /** Every inbound message: validated and applied, or logged and ignored. */
  onMessage(topic: string, payload: Buffer): void {
    const a = this.opts.address;
    try {
      if (topic === deviceTopic(a, "ack")) this.onAck(payload);
      else if (topic === deviceTopic(a, "config")) this.onConfigMessage(payload);
      else if (topic === deviceTopic(a, "members/res")) this.onMembersPage(payload);
      else if (topic === storeTopic(a, "members")) this.onMembersPush(payload);
      else if (topic === deviceTopic(a, "photos/res")) this.onPhoto(payload);
      else if (topic === deviceTopic(a, "auth/res")) this.onAuth(payload);
      else this.log.warn({ topic }, "sync: message on an unexpected topic ignored");
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.stats.invalid++;
        this.log.warn({ topic, code: err.code, reason: err.message.slice(0, 300) }, "sync: malformed message ignored");
        return;
      }
      throw err;
    }
  }

  private learnHubTime(hubTime: number | undefined): void {
    if (hubTime === undefined) return;
    this.clock.setOffset(hubTime - this.baseClock.now());
  }

  private onAck(payload: Buffer): void {
    const ack = decodeMessage(AckSchema, payload);
    this.stats.acks++;
    this.learnHubTime(ack.hubTime);
    if (ack.ackedSeq > this.store.lastSeq()) {
      this.log.error({ ackedSeq: ack.ackedSeq, lastSeq: this.store.lastSeq() }, "sync: hub acknowledges more than this kiosk wrote (restored from an old backup?)");
    }
    this.store.acknowledge(ack.ackedSeq);
    for (const r of ack.rejected ?? []) this.log.warn({ seq: r.seq, reason: r.reason }, "sync: hub rejected a ledger entry (kept there for review)");
    // The hub also acks each online status (heartbeats, reconnects) with its current mark. Such an
    // ack below the batch in flight says nothing about that batch: sending it again now would only
    // make a duplicate (which, with several hub instances, races the first copy on another one).
    // The ack timeout still resends a batch that was lost; a gap in the hub's sequence says so at once.
    if (this.inFlight && ack.ackedSeq < this.inFlightLast && ack.resendFrom === undefined) {
      this.stats.staleAcks++;
      return;
    }
    this.ackWaitMs = undefined;
    this.clearInFlight();
    this.flush();
  }

  private onConfigMessage(payload: Buffer): void {
    let content: ConfigContent;
    const version = this.store.configVersion();
    try {
      const envelope = decodeMessage(SignedEnvelopeSchema, payload);
      content = openEnvelope(envelope, this.opts.trustedKeys, ConfigContentSchema);
      const a = this.opts.address;
      if (content.chainId !== a.chainId || content.storeId !== a.storeId) {
        throw new ProtocolError("SCHEMA_INVALID", `bundle is for ${content.chainId}/${content.storeId}`);
      }
      if (content.version <= version) {
        this.log.info({ version: content.version, applied: version }, "sync: stale or duplicate config ignored");
        this.report({ version: content.version, status: "ignored", appliedVersion: version });
        return;
      }
      const previous = this.config;
      this.config = content;
      try {
        for (const l of this.configListeners) l(content);
      } catch (err) {
        this.config = previous;
        if (previous) for (const l of this.configListeners) l(previous);
        throw new ProtocolError("SCHEMA_INVALID", `config could not be applied: ${(err as Error).message}`);
      }
      this.store.saveConfig(content.version, envelope, this.clock.now());
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.stats.configsRefused++;
      this.log.warn({ code: err.code, reason: err.message.slice(0, 300) }, "sync: config bundle refused; keeping the one in force");
      const v = /version\\?"\s*:\s*(\d+)/.exec(payload.toString("utf8"))?.[1];
      if (v && Number(v) > 0) this.report({ version: Number(v), status: "failed", appliedVersion: version, error: `${err.code}: ${err.message.slice(0, 200)}` });
      return;
    }
    this.stats.configsApplied++;
    this.log.info({ version: content.version }, "sync: config applied");
    this.report({ version: content.version, status: "applied", appliedVersion: content.version });
  }

  private report(r: ConfigReport): void {
    this.client?.publish(deviceTopic(this.opts.address, "config/report"), encodeMessage(r), { qos: 1 });
  }

  private onMembersPage(payload: Buffer): void {
    const page = decodeMessage(MembersPageSchema, payload);
    this.learnHubTime(page.hubTime);
    const photosChanged = this.store.applyMemberChanges(page.changes, page.cursor, page.snapshot);
    this.snapshotting = page.more && (page.snapshot || this.snapshotting);
    if (page.more) this.requestMembers();
    this.membersChanged(photosChanged);
  }

  /** A push applies only on top of exactly what this kiosk has; otherwise the kiosk pulls from its cursor. */
  private onMembersPush(payload: Buffer): void {
    const push = decodeMessage(MembersPushSchema, payload);
    const cursor = this.store.memberCursor();
    const last = Math.max(...push.changes.map((c) => c.seq));
    if (push.prevCursor !== cursor) {
      if (last > cursor) this.requestMembers();
      return;
    }
    this.membersChanged(this.store.applyMemberChanges(push.changes, last, false));
  }

  private membersChanged(photosChanged: boolean): void {
    if (photosChanged) {
      const dropped = this.store.dropUnusedPhotos();
      if (dropped > 0) this.log.info({ dropped }, "sync: headshots no longer needed were deleted");
      this.fetchMissingPhotos();
    }
    for (const l of this.membersListeners) l();
  }

  /** Requests the headshots the cached members point at and this kiosk does not have yet. */
  fetchMissingPhotos(): void {
    if (!this.client?.connected) return;
    for (const hash of this.store.missingPhotos()) {
      if (this.photoRequests.has(hash) || this.photoRequests.size >= 16) continue;
      this.photoRequests.add(hash);
      this.client.publish(deviceTopic(this.opts.address, "photos/req"), encodeMessage({ hash }), { qos: 1 });
    }
  }

  private onPhoto(payload: Buffer): void {
    const res = decodeMessage(PhotoResponseSchema, payload);
    this.photoRequests.delete(res.hash);
    if (!res.found) {
      this.log.warn({ hash: res.hash }, "sync: the hub has no such headshot");
      return;
    }
    const bytes = Buffer.from(res.data, "base64");
    if (createHash("sha256").update(bytes).digest("hex") !== res.hash) {
      this.stats.photosRefused++;
      this.log.warn({ hash: res.hash }, "sync: headshot refused: its content does not match its hash");
      return;
    }
    this.store.savePhoto(res.hash, res.mime, bytes);
    this.stats.photosFetched++;
    this.fetchMissingPhotos();
  }

  private onAuth(payload: Buffer): void {
    const res = decodeMessage(AuthResponseSchema, payload);
    this.learnHubTime(res.hubTime);
    const waiter = this.authWaiters.get(res.requestId);
    if (!waiter) {
      this.log.info({ requestId: res.requestId }, "sync: late authorisation answer ignored");
      return;
    }
    this.authWaiters.delete(res.requestId);
    waiter(res);
  }
}
