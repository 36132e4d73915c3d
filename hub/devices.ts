// The hub's device registry: provisioning kiosk identities, checking their credentials, sequence marks.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { isValidSegment, type DeviceAddress } from "../protocol/topics.js";
import { newSecret, hashSecret, verifySecret } from "./secrets.js";
import { HubError } from "./errors.js";

export interface DeviceCredentials extends DeviceAddress {
  /** MQTT username: the device id. */
  username: string;
  /** MQTT password: shown once, stored hashed. */
  password: string;
}

export interface DeviceRow {
  deviceId: string;
  chainId: string;
  storeId: string;
  ackedSeq: number;
  desiredConfigVersion: number;
  appliedConfigVersion: number;
  configError: string | null;
  lastStatus: unknown;
  lastSeenAt: number | null;
}

const SELECT_DEVICE = `SELECT device_id, chain_id, store_id, acked_seq, desired_config_version, applied_config_version,
  config_error, last_status, last_seen_at FROM devices`;

interface DeviceDbRow {
  device_id: string;
  chain_id: string;
  store_id: string;
  acked_seq: number;
  desired_config_version: number;
  applied_config_version: number;
  config_error: string | null;
  last_status: string | null;
  last_seen_at: number | null;
}

function toDeviceRow(row: DeviceDbRow): DeviceRow {
  return {
    deviceId: row.device_id,
    chainId: row.chain_id,
    storeId: row.store_id,
    ackedSeq: row.acked_seq,
    desiredConfigVersion: row.desired_config_version,
    appliedConfigVersion: row.applied_config_version,
    configError: row.config_error,
    lastStatus: row.last_status ? (JSON.parse(row.last_status) as unknown) : null,
    lastSeenAt: row.last_seen_at,
  };
}

export class DeviceRegistry {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Creates a device (or rotates its secret when it exists in the same store). */
  provision(address: DeviceAddress): DeviceCredentials {
    for (const s of [address.chainId, address.storeId, address.deviceId]) {
      if (!isValidSegment(s)) throw new HubError("INVALID_INPUT", `invalid id ${JSON.stringify(s)}`);
    }
    if (address.deviceId === "hub") throw new HubError("INVALID_INPUT", "device id 'hub' is reserved");
    const password = newSecret();
    const existing = this.get(address.deviceId);
    if (existing && (existing.storeId !== address.storeId || existing.chainId !== address.chainId)) {
      throw new HubError("CONFLICT", `device ${address.deviceId} already belongs to store ${existing.storeId}`);
    }
    if (existing) {
      this.db.prepare("UPDATE devices SET secret_hash = ? WHERE device_id = ?").run(hashSecret(password), address.deviceId);
    } else {
      this.db
        .prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(address.deviceId, address.chainId, address.storeId, hashSecret(password), this.clock.now());
    }
    return { ...address, username: address.deviceId, password };
  }

  /**
   * The device's address when the credentials are right, otherwise undefined. Asynchronous scrypt
   * (the event loop stays free); an unknown id is checked against a dummy hash, so it takes as long.
   */
  async authenticate(username: string, password: string): Promise<DeviceAddress | undefined> {
    const row = this.db
      .prepare("SELECT device_id, chain_id, store_id, secret_hash FROM devices WHERE device_id = ?")
      .get<{ device_id: string; chain_id: string; store_id: string; secret_hash: string }>(username);
    if (!(await verifySecret(password, row?.secret_hash)) || !row) return undefined;
    return { deviceId: row.device_id, chainId: row.chain_id, storeId: row.store_id };
  }

  get(deviceId: string): DeviceRow | undefined {
    const row = this.db.prepare(`${SELECT_DEVICE} WHERE device_id = ?`).get<DeviceDbRow>(deviceId);
    return row ? toDeviceRow(row) : undefined;
  }

  list(): DeviceRow[] {
    return this.db.prepare(`${SELECT_DEVICE} ORDER BY device_id`).all<DeviceDbRow>().map(toDeviceRow);
  }

  /** The stores that have kiosks (one query: the member push runs this for every ingested batch). */
  storeIds(): string[] {
    return this.db
      .prepare("SELECT DISTINCT store_id FROM devices ORDER BY store_id")
      .all<{ store_id: string }>()
      .map((r) => r.store_id);
  }

  /**
   * A kiosk's status message. An offline one (its last will is only `{online: false, at: 0}`) keeps
   * the figures of the last online one, and a repeated offline one (the retained will again, after a
   * hub restart) changes nothing, so "last seen" stays when the kiosk went away.
   */
  recordStatus(deviceId: string, status: unknown): void {
    let stored = status;
    const s = status as { online?: unknown; at?: unknown };
    if (s.online === false) {
      const prev = this.get(deviceId)?.lastStatus as Record<string, unknown> | null | undefined;
      if (prev && prev.online === false) return;
      if (prev) stored = { ...prev, ...(status as Record<string, unknown>), at: typeof s.at === "number" && s.at > 0 ? s.at : prev.at };
    }
    this.db.prepare("UPDATE devices SET last_status = ?, last_seen_at = ? WHERE device_id = ?").run(JSON.stringify(stored), this.clock.now(), deviceId);
  }
}
