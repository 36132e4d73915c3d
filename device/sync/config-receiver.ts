// Applies signed config bundles from the hub: verified, checked by the listeners, saved, reported back.
import type { Logger } from "../../runtime/log.js";
import type { Clock } from "../../protocol/clock.js";
import type { DeviceAddress } from "../../protocol/topics.js";
import { createHash } from "node:crypto";
import { z } from "zod";
import { decodeMessage, encodeMessage, type ConfigContent, type ConfigReport } from "../../protocol/messages.js";
import { parseConfigContentTolerant } from "../../protocol/config-tolerant.js";
import { openEnvelope, SignedEnvelopeSchema } from "../../protocol/signing.js";
import { ProtocolError } from "../../protocol/errors.js";
import type { KioskStore } from "../store.js";
import type { SyncLink } from "./link.js";

export type ConfigListener = (content: ConfigContent) => void;

export class ConfigReceiver {
  private config: ConfigContent | undefined;
  /**
   * sha256 of the bytes of the bundle in force. A hub delivers every kiosk's bundle again each time it
   * (re)connects; the same bytes are the same verified bundle, so they are answered without verifying
   * the signature and validating the whole config again (seconds for a 50,000-item catalog on a Pi,
   * with the kiosk's resend of its outbox waiting behind it).
   */
  private appliedHash: string | undefined;
  private readonly listeners: ConfigListener[] = [];
  readonly stats = { configsApplied: 0, configsRefused: 0, configsUnchanged: 0 };

  constructor(
    private readonly address: DeviceAddress,
    /** keyId -> HQ public key, trusted for config bundles. */
    private readonly trustedKeys: Readonly<Record<string, string>>,
    private readonly link: SyncLink,
    private readonly store: KioskStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.config = this.loadStored();
  }

  /** The config in force (from the last verified bundle), if any. */
  get current(): ConfigContent | undefined {
    return this.config;
  }

  /**
   * Lets go of the bundle's own catalog once the kiosk prices with the catalog it holds (the catalog
   * follower's, which replaces it): a kiosk whose first bundle came whole would otherwise keep the
   * 50,000 parsed products twice (README "Real size", Kiosk memory). The saved envelope keeps it.
   */
  dropBundledCatalog(): void {
    const c = this.config;
    if (c && c.catalogVersion === undefined && c.rules.catalog.length > 0) this.config = { ...c, rules: { ...c.rules, catalog: [] } };
  }

  onConfig(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  private loadStored(): ConfigContent | undefined {
    const env = this.store.appliedEnvelope();
    if (!env) return undefined;
    try {
      const content = parseConfigContentTolerant(openEnvelope(env, this.trustedKeys, z.unknown())).content;
      // The hub encodes the envelope the same way (encodeMessage); if its bytes differ, the next delivery is simply verified in full.
      this.appliedHash = sha256(encodeMessage(env));
      return content;
    } catch (err) {
      this.log.error({ err: (err as Error).message }, "stored config no longer verifies; waiting for a new bundle");
      return undefined;
    }
  }

  /** A bundle on the retained config topic. Protocol problems are reported; anything else (storage) propagates. */
  onMessage(payload: Buffer): void {
    let content: ConfigContent;
    let ignoredKeys: string[] = [];
    const version = this.store.configVersion();
    const hash = sha256(payload);
    if (hash === this.appliedHash && this.config?.version === version) {
      this.stats.configsUnchanged++;
      this.log.debug({ version }, "sync: the bundle in force delivered again; ignored");
      this.report({ version, status: "ignored", appliedVersion: version });
      return;
    }
    try {
      const envelope = decodeMessage(SignedEnvelopeSchema, payload);
      // Keys a newer hub added that this software does not know are dropped and named in the report (protocol/config-tolerant.ts).
      ({ content, ignoredKeys } = parseConfigContentTolerant(openEnvelope(envelope, this.trustedKeys, z.unknown())));
      const a = this.address;
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
        for (const l of this.listeners) l(content);
      } catch (err) {
        this.rollBack(previous);
        throw new ProtocolError("SCHEMA_INVALID", `config could not be applied: ${(err as Error).message}`);
      }
      try {
        this.store.saveConfig(content.version, envelope, this.clock.now());
      } catch (err) {
        // Not saved (a full disk): the one in force stays, and the retained bundle comes again on reconnect.
        this.rollBack(previous);
        throw err;
      }
      this.appliedHash = hash;
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.stats.configsRefused++;
      this.log.warn({ code: err.code, reason: err.message.slice(0, 300) }, "sync: config bundle refused; keeping the one in force");
      const v = /version\\?"\s*:\s*(\d+)/.exec(payload.toString("utf8"))?.[1];
      if (v && Number(v) > 0)
        this.report({ version: Number(v), status: "failed", appliedVersion: version, error: `${err.code}: ${err.message.slice(0, 200)}` });
      return;
    }
    this.stats.configsApplied++;
    this.log.info({ version: content.version, ...(ignoredKeys.length ? { ignoredKeys } : {}) }, "sync: config applied");
    const note = ignoredKeys.length ? { error: `ignored unknown keys: ${ignoredKeys.join(", ")}`.slice(0, 480) } : {};
    this.report({ version: content.version, status: "applied", appliedVersion: content.version, ...note });
  }

  private rollBack(previous: ConfigContent | undefined): void {
    this.config = previous;
    if (previous) for (const l of this.listeners) l(previous);
  }

  private report(r: ConfigReport): void {
    this.link.send("config/report", r);
  }
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
