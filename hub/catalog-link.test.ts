// The hub's MQTT link on the catalog channels (in-memory broker): bundles without their catalog only to kiosks that report a catalog version, pulls answered with a snapshot, a delta or up-to-date, a new version pushed to the store once.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { z } from "zod";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { deviceTopic, storeTopic } from "../protocol/topics.js";
import { openEnvelope } from "../protocol/signing.js";
import { CatalogMessageSchema } from "../protocol/catalog-delta.js";
import { MemoryBroker } from "../runtime/testing/memory-mqtt.js";
import { ManualTimers } from "../runtime/testing/manual-timers.js";
import { DeviceRegistry } from "./devices.js";
import { Rollouts } from "./rollouts.js";
import { HubMqttLink } from "./mqtt-link.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";

let w: IngestWorld;
let broker: MemoryBroker;
let l: HubMqttLink;
let rollouts: Rollouts;

beforeEach(async () => {
  w = await openIngestWorld();
  broker = new MemoryBroker();
  rollouts = new Rollouts(w.db, w.clock, w.configs, createLogger("t", { destination: new MemoryLogSink() }));
  l = new HubMqttLink(
    { url: "mqtt://memory", chainId: "acme", username: "hub", password: "x", clientId: "hub-a", connect: broker.connect, timers: new ManualTimers(w.clock) },
    {
      devices: new DeviceRegistry(w.db, w.clock),
      ingest: w.ingest,
      members: w.members,
      configs: w.configs,
      rollouts,
      authorizer: w.authorizer,
      clock: w.clock,
      log: createLogger("t", { destination: w.sink }),
    },
  );
  const started = l.start();
  broker.pump();
  await started;
  broker.pump();
});
afterEach(async () => {
  await l.stop();
  w.close();
});

const status = (extra: Record<string, unknown>): void => {
  broker.publish(undefined, deviceTopic(K1, "status"), JSON.stringify({ online: true, at: T0, configVersion: 0, ...extra }));
  broker.pump();
};
const lastBundle = () => {
  const env = broker.published(deviceTopic(K1, "config")).at(-1);
  return openEnvelope(env, w.configs.publicKeys, z.unknown()) as { rules: { catalog: unknown[] }; catalogVersion?: number };
};
const pull = (version: number): unknown => {
  broker.publish(undefined, deviceTopic(K1, "catalog/req"), JSON.stringify({ version }));
  broker.pump();
  return broker.published(deviceTopic(K1, "catalog/res")).at(-1);
};

describe("hub catalog channels", () => {
  it("a kiosk that reports no catalog version gets the whole bundle; one that does gets it without the catalog", () => {
    status({});
    rollouts.start("s01", 1);
    broker.pump();
    expect(lastBundle().rules.catalog.length).toBeGreaterThan(0);
    expect(lastBundle().catalogVersion).toBeUndefined();
    status({ catalogVersion: 0 });
    expect(lastBundle().rules.catalog).toEqual([]);
    expect(lastBundle().catalogVersion).toBe(1);
  });

  it("answers a pull with a snapshot (version 0), up-to-date (newest), and a delta from an older version; pushes a new version to the store once", () => {
    const snap = openEnvelope(pull(0), w.configs.publicKeys, CatalogMessageSchema);
    expect(snap.kind).toBe("snapshot");
    expect(pull(1)).toEqual({ kind: "up-to-date", version: 1 });
    const cat = w.configs.catalogs;
    const rice = cat.liveProduct("s01", "rice-5kg")!;
    const v = w.db.transaction(() => cat.changeInTx("s01", [{ ...rice, priceFen: rice.priceFen - 1 }], [], "test")).version;
    cat.announce("s01", v);
    broker.pump();
    const pushed = broker.published(storeTopic(K1, "catalog"));
    expect(pushed).toHaveLength(1);
    const push = openEnvelope(pushed[0], w.configs.publicKeys, CatalogMessageSchema);
    expect(push).toMatchObject({ kind: "delta", fromVersion: 1, toVersion: 2, remove: [] });
    expect(push.kind === "delta" && push.put.map((p) => [p.sku, p.priceFen])).toEqual([["rice-5kg", rice.priceFen - 1]]);
    expect(openEnvelope(pull(1), w.configs.publicKeys, CatalogMessageSchema)).toMatchObject({ kind: "delta", fromVersion: 1, toVersion: 2 });
    // A malformed pull changes nothing and is counted.
    broker.publish(undefined, deviceTopic(K1, "catalog/req"), JSON.stringify({ version: -1 }));
    broker.pump();
    expect(l.stats.invalid).toBe(1);
  });
});
