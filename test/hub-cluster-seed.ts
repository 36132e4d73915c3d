// Seeds a hub cluster's store before the hubs start (test/hub-cluster.ts): members with phone keys, kiosk identities and configs, a signed config version per store.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createLogger } from "../runtime/log.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import type { HubConfig } from "../hub/config.js";
import { openHubStore } from "../hub/store.js";
import { DeviceRegistry } from "../hub/devices.js";
import { MemberRegistry } from "../hub/members.js";
import { ConfigService } from "../hub/config-service.js";
import { Rollouts } from "../hub/rollouts.js";
import type { KioskConfigInput } from "../device/config.js";
import { demoRules } from "../scripts/demo-env.js";
import { CLUSTER_CHAIN, type ClusterOptions, type TestMember } from "./hub-cluster.js";

export interface SeedInput {
  opts: ClusterOptions;
  /** The config of hub 0 (the store it opens is the one every hub shares). */
  hubConfig: HubConfig;
  signer: { keyId: string; keys: KeyPair };
  storeIds: string[];
  /** Where each kiosk's data directory and secret file go. */
  kioskDir: string;
  /** The number of the first member made (members already made by an earlier seed). */
  firstMember: number;
}

export interface Seeded {
  members: TestMember[];
  /** The member ids each kiosk sells to (same index as kioskConfigs). */
  kioskMembers: string[][];
  kioskConfigs: KioskConfigInput[];
}

export async function seedClusterStore(input: SeedInput): Promise<Seeded> {
  const { opts, signer } = input;
  const seeded: Seeded = { members: [], kioskMembers: [], kioskConfigs: [] };
  const db = await openHubStore(input.hubConfig, "cluster-seed");
  try {
    const log = createLogger("cluster-seed", { level: "silent" });
    const devices = new DeviceRegistry(db, systemClock);
    const members = new MemberRegistry(db, systemClock);
    const configs = new ConfigService(db, systemClock, CLUSTER_CHAIN, signer);
    const rollouts = new Rollouts(db, systemClock, configs, log);
    const stores = input.storeIds;
    const perStore = opts.membersPerStore ?? 10;
    const inputs = [];
    const byStore = new Map<string, string[]>();
    for (const storeId of stores) {
      const ids: string[] = [];
      for (let i = 0; i < perStore; i++) {
        const n = input.firstMember + seeded.members.length;
        const keys = generateKeyPair();
        const m = { memberId: `m${String(n).padStart(5, "0")}`, cardId: `C${String(n).padStart(7, "0")}`, keys };
        seeded.members.push(m);
        ids.push(m.memberId);
        inputs.push({
          memberId: m.memberId,
          cardId: m.cardId,
          name: `member ${n}`,
          levelId: "gold",
          cardClass: "standard",
          cardPublicKey: keys.publicKey,
          stores: [storeId],
        });
      }
      byStore.set(storeId, ids);
    }
    for (const r of members.createMany(inputs)) if (!r.ok) throw r.error;
    for (let k = 0; k < opts.kiosks; k++) {
      const deviceId = `k${String(k).padStart(2, "0")}`;
      const storeId = stores[k % stores.length]!;
      const creds = devices.provision({ chainId: CLUSTER_CHAIN, storeId, deviceId });
      const kioskDir = join(input.kioskDir, deviceId);
      mkdirSync(kioskDir, { recursive: true });
      const passwordFile = join(kioskDir, "secret");
      writeFileSync(passwordFile, creds.password, { mode: 0o600 });
      seeded.kioskConfigs.push({
        chainId: CLUSTER_CHAIN,
        storeId,
        deviceId,
        dataDir: kioskDir,
        hub: { url: opts.mosquitto.url, username: deviceId, passwordFile, trustedKeys: { [signer.keyId]: signer.keys.publicKey } },
        scan: { source: { driver: "simulated" }, decoder: "inline" },
        printer: { transport: "simulated" },
        gpio: { driver: "simulated" },
        logLevel: "warn",
      });
      const storeMembers = byStore.get(storeId)!;
      if (opts.memberScope === "kiosk") {
        // This kiosk's share: every n-th member of the store, n = the store's kiosk count.
        const kiosksInStore = Math.ceil((opts.kiosks - (k % stores.length)) / stores.length);
        const position = Math.floor(k / stores.length);
        seeded.kioskMembers.push(storeMembers.filter((_, i) => i % kiosksInStore === position));
      } else {
        seeded.kioskMembers.push(storeMembers);
      }
    }
    for (const storeId of stores) {
      const c = configs.publish(storeId, { rules: demoRules(), device: { storeName: `Cluster store ${storeId}` } });
      rollouts.start(storeId, c.version);
    }
    return seeded;
  } finally {
    db.close();
  }
}
