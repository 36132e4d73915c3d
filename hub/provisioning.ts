// Kiosk provisioning: one-time tokens (stored hashed, short-lived, single use), the exchange for a device identity, and the broker's credential files.
//
// An operator makes a token for a store and device (`hubctl provision-token`); the IT person types it
// on the kiosk (`kioskctl provision`), which POSTs it to /provision once and receives its identity,
// MQTT secret, broker URL, the broker's CA and the HQ public keys. The secret exists in plain text
// only in that answer: the hub keeps a scrypt hash (hub/devices.ts) and, for Mosquitto, a `$7$`
// hash made right here, when the plain secret is still at hand.
import { createHash, randomBytes } from "node:crypto";
import type { Hono } from "hono";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import { isValidSegment, type DeviceAddress } from "../protocol/topics.js";
import type { DeviceRegistry } from "./devices.js";
import { HubError } from "./errors.js";
import { mosquittoHash, renderAcl, renderPasswordFile, signalReload, writeFileAtomic, type BrokerUser } from "./mosquitto-auth.js";

const TOKEN_PREFIX = "mkp_";

export interface ProvisionToken extends DeviceAddress {
  token: string;
  expiresAt: number;
}

/** What a kiosk receives for its token (and what `hubctl provision` prints once). */
export interface ProvisionGrant extends DeviceAddress {
  username: string;
  password: string;
  brokerUrl: string;
  /** PEM of the CA that signed the broker's certificate, when the broker uses TLS with a private CA. */
  caPem?: string;
  /** keyId -> HQ Ed25519 public key for config bundles. */
  trustedKeys: Record<string, string>;
}

export interface ProvisioningOptions {
  chainId: string;
  tokenTtlMs: number;
  brokerUrl: () => string;
  caPem: string | undefined;
  trustedKeys: () => Record<string, string>;
  /** Set when the hub maintains Mosquitto's files. */
  mosquitto?: { passwordFile: string; aclFile: string; pidFile?: string; hubUsername: string; hubPassword: string; extraHubUsernames?: readonly string[] };
}

function sha256hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export class Provisioning {
  readonly stats = { tokensCreated: 0, redeemed: 0, refused: 0, brokerFileWrites: 0 };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly devices: DeviceRegistry,
    private readonly opts: ProvisioningOptions,
    private readonly log: Logger,
  ) {}

  /** A single-use token for one device of one store, valid for the configured time. */
  createToken(storeId: string, deviceId: string, ttlMs = this.opts.tokenTtlMs): ProvisionToken {
    for (const s of [storeId, deviceId]) {
      if (!isValidSegment(s)) throw new HubError("INVALID_INPUT", `invalid id ${JSON.stringify(s)}`);
    }
    if (deviceId === this.opts.mosquitto?.hubUsername || deviceId === "hub" || this.opts.mosquitto?.extraHubUsernames?.includes(deviceId))
      throw new HubError("INVALID_INPUT", `device id ${deviceId} is reserved`);
    const existing = this.devices.get(deviceId);
    if (existing && existing.storeId !== storeId) throw new HubError("CONFLICT", `device ${deviceId} already belongs to store ${existing.storeId}`);
    const token = `${TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
    const now = this.clock.now();
    const expiresAt = now + ttlMs;
    this.db
      .prepare("INSERT INTO provision_tokens (token_hash, chain_id, store_id, device_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(sha256hex(token), this.opts.chainId, storeId, deviceId, now, expiresAt);
    this.stats.tokensCreated++;
    this.log.info({ store: storeId, device: deviceId, expiresAt }, "provisioning token created");
    return { token, chainId: this.opts.chainId, storeId, deviceId, expiresAt };
  }

  /**
   * Exchanges a token for the device's identity and a fresh secret. The token is spent in the same
   * transaction that stores the new secret's hashes; an unknown, used or expired token gets the same
   * answer, so a guesser learns nothing. With `expectDeviceId` (a kiosk that already holds a ledger
   * under that id), a token for another device is refused without being spent.
   */
  redeem(token: string, expectDeviceId?: string): ProvisionGrant {
    const refused = (): HubError => {
      this.stats.refused++;
      this.log.warn("provisioning refused: unknown, used or expired token");
      return new HubError("UNAUTHORIZED", "invalid, used or expired provisioning token");
    };
    if (typeof token !== "string" || !token.startsWith(TOKEN_PREFIX) || token.length > 100) throw refused();
    const now = this.clock.now();
    const address = this.db.transaction(() => {
      const row = this.db
        .prepare("SELECT chain_id, store_id, device_id, expires_at, used_at FROM provision_tokens WHERE token_hash = ?")
        .get<{ chain_id: string; store_id: string; device_id: string; expires_at: number; used_at: number | null }>(sha256hex(token));
      if (!row || row.used_at !== null || row.expires_at <= now) return undefined;
      if (expectDeviceId !== undefined && row.device_id !== expectDeviceId) {
        throw new HubError(
          "CONFLICT",
          `this token is for device ${row.device_id}, but the kiosk already holds the ledger of ${expectDeviceId}; the token was not used`,
        );
      }
      this.db.prepare("UPDATE provision_tokens SET used_at = ? WHERE token_hash = ?").run(now, sha256hex(token));
      return { chainId: row.chain_id, storeId: row.store_id, deviceId: row.device_id };
    });
    if (!address) throw refused();
    const grant = this.provision(address);
    this.stats.redeemed++;
    return grant;
  }

  /** Creates the device (or rotates its secret) and records the broker hash; returns the one-time answer. */
  provision(address: DeviceAddress): ProvisionGrant {
    const creds = this.db.transaction(() => {
      const c = this.devices.provision(address);
      this.db
        .prepare(
          `INSERT INTO broker_credentials (device_id, mosquitto_hash, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET mosquitto_hash = excluded.mosquitto_hash, updated_at = excluded.updated_at`,
        )
        .run(c.deviceId, mosquittoHash(c.password), this.clock.now());
      return c;
    });
    this.log.info({ store: address.storeId, device: address.deviceId }, "device provisioned");
    this.writeBrokerFiles();
    return {
      chainId: creds.chainId,
      storeId: creds.storeId,
      deviceId: creds.deviceId,
      username: creds.username,
      password: creds.password,
      brokerUrl: this.opts.brokerUrl(),
      ...(this.opts.caPem ? { caPem: this.opts.caPem } : {}),
      trustedKeys: this.opts.trustedKeys(),
    };
  }

  /** Deletes spent and expired tokens older than a day (kept a while for the audit log). */
  purgeTokens(): number {
    return this.db.prepare("DELETE FROM provision_tokens WHERE expires_at < ?").run(this.clock.now() - 86_400_000).changes;
  }

  /**
   * Rewrites Mosquitto's password file and ACL from the device table (when configured) and asks
   * Mosquitto to reload. Devices provisioned without a broker hash (before this module existed) are
   * left out, with a warning: re-provision them.
   */
  writeBrokerFiles(): void {
    const m = this.opts.mosquitto;
    if (!m) return;
    const { hashes, devices, fingerprint } = this.brokerState();
    this.writtenFingerprint = fingerprint;
    const hubUsers = [...new Set([m.hubUsername, ...(m.extraHubUsernames ?? [])])];
    const users: BrokerUser[] = hubUsers.map((username) => ({ username, hash: mosquittoHash(m.hubPassword) }));
    const allowed: DeviceAddress[] = [];
    for (const d of devices) {
      const hash = hashes.get(d.deviceId);
      if (!hash) {
        this.log.warn({ device: d.deviceId }, "device has no broker credential (provisioned before the Mosquitto files existed): re-provision it");
        continue;
      }
      if (hubUsers.includes(d.deviceId)) {
        this.log.warn({ device: d.deviceId }, "device id is one of the hub's broker usernames: left out of the broker files");
        continue;
      }
      users.push({ username: d.deviceId, hash });
      allowed.push({ chainId: d.chainId, storeId: d.storeId, deviceId: d.deviceId });
    }
    writeFileAtomic(m.passwordFile, renderPasswordFile(users));
    writeFileAtomic(m.aclFile, renderAcl(this.opts.chainId, hubUsers, allowed));
    this.stats.brokerFileWrites++;
    const signalled = m.pidFile ? signalReload(m.pidFile) : false;
    this.log.info({ devices: allowed.length, signalled }, "mosquitto password file and ACL written");
  }

  /**
   * Rewrites the broker files only when the devices or their credentials changed since this instance
   * last wrote them: with several hub instances, a kiosk provisioned through another instance reaches
   * the Mosquitto next to this one on the next call (the hub calls it every 30 s).
   */
  syncBrokerFiles(): boolean {
    if (!this.opts.mosquitto || this.brokerState().fingerprint === this.writtenFingerprint) return false;
    this.writeBrokerFiles();
    return true;
  }

  private writtenFingerprint: string | undefined;

  private brokerState(): { hashes: Map<string, string>; devices: ReturnType<DeviceRegistry["list"]>; fingerprint: string } {
    const hashes = new Map(
      this.db
        .prepare("SELECT device_id, mosquitto_hash FROM broker_credentials")
        .all<{ device_id: string; mosquitto_hash: string }>()
        .map((r) => [r.device_id, r.mosquitto_hash]),
    );
    const devices = this.devices.list().filter((d) => d.chainId === this.opts.chainId);
    const fingerprint = createHash("sha256")
      .update(JSON.stringify(devices.map((d) => [d.deviceId, d.storeId, hashes.get(d.deviceId) ?? null]).sort()))
      .digest("hex");
    return { hashes, devices, fingerprint };
  }
}

async function jsonBody(req: { json(): Promise<unknown> }): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HubError("INVALID_INPUT", "body must be JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HubError("INVALID_INPUT", "body must be a JSON object");
  return body as Record<string, unknown>;
}

/**
 * `POST /provision {token}` (the token is the credential) and `POST /provision/tokens
 * {storeId, deviceId, ttlMinutes?}` (admin). Answers carrying a secret are marked no-store.
 */
export function mountProvisioning(p: Provisioning) {
  return (app: Hono, requireAdmin: (authorization: string | undefined) => void): void => {
    app.post("/provision", async (c) => {
      const body = await jsonBody(c.req);
      const expect = typeof body.expectDeviceId === "string" ? body.expectDeviceId : undefined;
      const grant = p.redeem(typeof body.token === "string" ? body.token : "", expect);
      c.header("cache-control", "no-store");
      return c.json(grant);
    });
    app.post("/provision/tokens", async (c) => {
      requireAdmin(c.req.header("authorization"));
      const body = await jsonBody(c.req);
      const ttl = body.ttlMinutes;
      if (ttl !== undefined && (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 60)) {
        throw new HubError("INVALID_INPUT", "ttlMinutes must be a whole number from 1 to 10080");
      }
      const t = p.createToken(String(body.storeId ?? ""), String(body.deviceId ?? ""), ttl === undefined ? undefined : ttl * 60_000);
      c.header("cache-control", "no-store");
      return c.json(t, 201);
    });
  };
}
