// One price change to 1,000 simulated kiosks holding a 50,000-item catalog, over a real Mosquitto: as a signed catalog delta (PATCH /bo/config/catalog/items/:sku) next to the full-bundle path (a new bundle with the whole catalog), bytes and time until all applied, in the same run.
//
//   npx tsx bench/catalog-delta.bench.ts [--kiosks 1000] [--bundle-kiosks 250] [--items 50000] [--json]
//
// The full-bundle path defaults to 250 kiosks: with 1,000 it needs about 21 GB of RAM on one machine
// (Mosquitto keeps the 1,000 distinct 10.7 MB retained bundles, about 10 GB, and this one process the
// 1,000 half-received ones); the README's figures are from `--bundle-kiosks 1000`.
//
// Two stores get the same 50,000-item catalog: s01's kiosks follow catalog deltas (their status says
// which catalog version they hold), s02's are older kiosks that take whole bundles. The same price
// change then goes to s01 as one PATCH (the hub records catalog version 2 and pushes the delta once, on
// the store's catalog topic) and to s02 as a publish of the changed rules (the rollout sends the new
// bundle, whole, on each kiosk's retained config topic). Each simulated kiosk is an MQTT client that
// verifies what it gets as a kiosk does before applying: the Ed25519 signature and the JSON, and for the
// delta its schema, its base version and the hash of the resulting catalog (the simulated kiosks all
// hold the same catalog, so that plan is computed once and shared: one process plays 1,000 kiosks).
// What one real kiosk spends applying each (its SQLite catalog, or the bundle's full validation) is
// measured separately on the real device code, since real kiosks apply in parallel on their own Pis.
import { parseArgs } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { z } from "zod";
import { deviceTopic, storeTopic } from "../protocol/topics.js";
import { openEnvelope, SignedEnvelopeSchema, type SignedEnvelope } from "../protocol/signing.js";
import { CatalogMessageSchema, catalogState, planCatalog, type CatalogPlan, type CatalogState } from "../protocol/catalog-delta.js";
import { encodeMessage } from "../protocol/messages.js";
import { parseConfigContentTolerant } from "../protocol/config-tolerant.js";
import { parseRulesConfig, type Product } from "../protocol/rules/config.js";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { KIOSK_MIGRATIONS } from "../device/schema.js";
import { KioskCatalogStore } from "../device/catalog-store.js";
import { KioskStore } from "../device/store.js";
import { CatalogFollower } from "../device/sync/catalog-follower.js";
import { waitUntil } from "../scripts/demo-env.js";
import { startMosquitto } from "../test/mosquitto.js";
import { SyncWorld } from "../test/sync-harness.js";
import { bigRules } from "./big-catalog.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "1000" },
    "bundle-kiosks": { type: "string", default: "250" },
    items: { type: "string", default: "50000" },
    json: { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const BUNDLE_KIOSKS = Number(values["bundle-kiosks"]);
const ITEMS = Number(values.items);
const results: Record<string, number> = {};
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};
const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;
const SKU = "rice-5kg";

interface Hubish {
  db: { prepare(sql: string): { run(...a: unknown[]): unknown } };
}

/** One real kiosk's apply of each path, on the device code: the delta into its SQLite catalog, the bundle's full check. */
async function perKioskApply(delta: SignedEnvelope, bundle: SignedEnvelope, held: readonly Product[], keys: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "catalog-bench-"));
  try {
    const db = await openDatabase(join(dir, "k.db"));
    migrate(db, KIOSK_MIGRATIONS);
    const store = new KioskCatalogStore(db);
    const state = catalogState(1, held);
    store.apply({ next: state, put: held, remove: [], replace: true });
    const link = { connected: true, send: () => true };
    const log = createLogger("bench", { destination: new MemoryLogSink() });
    const follower = new CatalogFollower({ chainId: "demo", storeId: "s01", deviceId: "real" }, keys, link, store, log);
    let t = performance.now();
    follower.onMessage(encodeMessage(delta));
    results.deltaApplyMs = performance.now() - t;
    if (follower.version !== 2) throw new Error("the real kiosk did not apply the delta");
    const kiosk = new KioskStore(db);
    t = performance.now();
    const content = parseConfigContentTolerant(openEnvelope(bundle, keys, z.unknown())).content;
    parseRulesConfig(content.rules);
    kiosk.saveConfig(content.version, bundle, Date.now());
    results.bundleApplyMs = performance.now() - t;
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mosq = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0", "message_size_limit 0"]);
const w = new SyncWorld(mosq);
const clients: MqttClient[] = [];
try {
  const hub = await w.startHub();
  const rules = bigRules(ITEMS) as Record<string, unknown> & { catalog: Product[] };
  say(`setup: publishing a ${rules.catalog.length.toLocaleString("en-US")}-item catalog to stores s01 and s02...`);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Pauses between the big publishes let the hub's MQTT client answer its keepalive: a hub that reconnects
  // delivers every kiosk's desired bundle again, which here would be 1,000 whole bundles before the run.
  hub.publishConfig("s01", { rules, device: {} });
  await pause(2_000);
  hub.publishConfig("s02", { rules, device: {} });
  await pause(5_000);
  // Devices are inserted directly (bench only): scrypt-hashing 2,000 secrets would dominate the setup.
  const db = (hub as unknown as Hubish).db;
  const follows = JSON.stringify({ online: true, at: 0, catalogVersion: 1 });
  for (let i = 0; i < KIOSKS; i++)
    db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at, last_status) VALUES (?, 'demo', 's01', 'bench', 0, ?)").run(
      `d${i}`,
      follows,
    );
  for (let i = 0; i < BUNDLE_KIOSKS; i++)
    db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'demo', 's02', 'bench', 0)").run(`b${i}`);
  const keys = hub.trustedKeys;
  const held: CatalogState = catalogState(1, hub.configs.catalogs.at("s01", 1)!);
  const target = { bundleVersion: 0 };

  // s01: kiosks following deltas. The plan (base version, resulting hash) is the same for every kiosk holding version 1.
  const plans = new Map<string, CatalogPlan>();
  const delta = { applied: 0, bytes: 0, messages: 0, refused: 0 };
  for (let i = 0; i < KIOSKS; i++) {
    const a = { chainId: "demo", storeId: "s01", deviceId: `d${i}` };
    let version = 1;
    const c = await mqtt.connectAsync(mosq.url, { clientId: `delta-${i}`, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 300_000 });
    c.on("message", (_t, payload) => {
      delta.bytes += payload.length;
      delta.messages++;
      const env = SignedEnvelopeSchema.parse(JSON.parse(payload.toString()));
      const msg = openEnvelope(env, keys, CatalogMessageSchema);
      let plan = plans.get(env.signature);
      if (!plan) {
        plan = planCatalog(held, msg, a);
        plans.set(env.signature, plan);
      }
      if (!plan.ok || version !== 1) {
        delta.refused++;
        return;
      }
      version = plan.next.version;
      delta.applied++;
    });
    await c.subscribeAsync([storeTopic(a, "catalog"), deviceTopic(a, "catalog/res")], { qos: 1 });
    clients.push(c);
  }
  // s02: older kiosks taking whole bundles; each verifies the signature and reads the JSON, then reports.
  const bundle = { applied: 0, bytes: 0, messages: 0 };
  for (let i = 0; i < BUNDLE_KIOSKS; i++) {
    const a = { chainId: "demo", storeId: "s02", deviceId: `b${i}` };
    const c = await mqtt.connectAsync(mosq.url, { clientId: `bundle-${i}`, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 300_000 });
    c.on("message", (_t, payload) => {
      bundle.bytes += payload.length;
      bundle.messages++;
      const content = openEnvelope(JSON.parse(payload.toString()), keys, z.unknown()) as { version: number };
      if (content.version !== target.bundleVersion) return;
      bundle.applied++;
      c.publish(deviceTopic(a, "config/report"), encodeMessage({ version: content.version, status: "applied", appliedVersion: content.version }), { qos: 1 });
    });
    await c.subscribeAsync(deviceTopic(a, "config"), { qos: 1 });
    clients.push(c);
  }
  // Whatever was retained from the setup's publishes has arrived before the clock starts.
  await pause(2_000);
  if (bundle.messages > 0 || delta.messages > 0)
    say(`setup: ${bundle.messages} bundles and ${delta.messages} catalog messages arrived before the run (a hub reconnect)`);
  Object.assign(delta, { bytes: 0, messages: 0 });
  Object.assign(bundle, { bytes: 0, messages: 0, applied: 0 });
  const token = hub.backoffice.deps.db.transaction(() => {
    hub.backoffice.deps.users.createInTx({ userId: "hq", name: "HQ", role: "hq-admin" });
    return hub.backoffice.deps.users.issueTokenInTx("hq", "bench").token;
  });
  const oldPrice = rules.catalog.find((p) => p.sku === SKU)!.priceFen;
  const load0 = (await import("node:os")).loadavg()[0]!;

  // The delta path: one PATCH.
  say(`delta: one price change (${SKU}) to ${KIOSKS} kiosks of s01...`);
  let started = performance.now();
  const res = await hub.backoffice.app.request(`/config/catalog/items/${SKU}?storeId=s01`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ priceFen: oldPrice - 100 }),
  });
  if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
  results.deltaHubMs = performance.now() - started;
  await waitUntil(() => delta.applied === KIOSKS, "every kiosk applied the delta", 300_000);
  results.deltaAllAppliedSeconds = (performance.now() - started) / 1000;
  results.deltaBytesDelivered = delta.bytes;
  results.deltaMessageBytes = delta.messages > 0 ? delta.bytes / delta.messages : 0;
  results.deltaRefused = delta.refused;
  say(
    `delta:  ${KIOSKS} kiosks applied in ${results.deltaAllAppliedSeconds.toFixed(2)} s (hub: ${results.deltaHubMs.toFixed(0)} ms for the request); ${mb(delta.bytes)} delivered (${Math.round(results.deltaMessageBytes)} B each, one publish by the hub)`,
  );

  // The full-bundle path: the same change as a new bundle.
  say(`bundle: the same change as a new bundle to ${BUNDLE_KIOSKS} kiosks of s02...`);
  const changed = { ...rules, catalog: rules.catalog.map((p) => (p.sku === SKU ? { ...p, priceFen: oldPrice - 100 } : p)) };
  started = performance.now();
  const { config, rollout } = hub.publishConfig("s02", { rules: changed, device: {} });
  target.bundleVersion = config.version;
  results.bundleHubMs = performance.now() - started;
  await waitUntil(() => bundle.applied === BUNDLE_KIOSKS, "every kiosk verified the bundle", 900_000);
  results.bundleAllAppliedSeconds = (performance.now() - started) / 1000;
  await waitUntil(() => hub.rollouts.status(rollout.id).state === "completed", "rollout completed", 300_000);
  results.bundleCompletedSeconds = (performance.now() - started) / 1000;
  results.bundleBytesDelivered = bundle.bytes;
  results.bundleMessageBytes = bundle.messages > 0 ? bundle.bytes / bundle.messages : 0;
  say(
    `bundle: ${BUNDLE_KIOSKS} kiosks verified in ${results.bundleAllAppliedSeconds.toFixed(2)} s (hub: ${results.bundleHubMs.toFixed(0)} ms to publish; rollout complete at ${results.bundleCompletedSeconds.toFixed(2)} s); ${mb(bundle.bytes)} delivered (${mb(results.bundleMessageBytes)} each)`,
  );

  // One real kiosk applying each (device code, SQLite): kiosks apply in parallel, so this adds to the time above.
  const deltaEnv = hub.configs.catalogs.signedMessage("s01", 1, 2).envelope;
  await perKioskApply(deltaEnv, config.envelope, [...held.products.values()], keys);
  say(
    `per kiosk (device code, one kiosk): delta verified, planned and committed in ${(results.deltaApplyMs ?? 0).toFixed(1)} ms; bundle verified, validated and saved in ${(results.bundleApplyMs ?? 0).toFixed(0)} ms`,
  );
  const perKioskBytes = (results.bundleMessageBytes ?? 0) / Math.max(1, results.deltaMessageBytes ?? 1);
  results.bytesRatio = perKioskBytes;
  results.timeRatio = (results.bundleAllAppliedSeconds ?? 0) / Math.max(1e-9, results.deltaAllAppliedSeconds ?? 0);
  results.loadAvg = load0;
  say(
    `ratio:  bytes per kiosk bundle / delta = ${Math.round(perKioskBytes).toLocaleString("en-US")}x; time until all applied, bundle (${BUNDLE_KIOSKS} kiosks) / delta (${KIOSKS} kiosks) = ${results.timeRatio.toFixed(1)}x (load ${load0.toFixed(1)})`,
  );
} finally {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await w.stop();
  await mosq.stop();
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
