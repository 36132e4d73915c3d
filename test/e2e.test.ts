// End to end over real sockets: camera images -> kiosk -> MQTT -> hub, on the embedded broker and on a real Mosquitto.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, signEnvelope, type KeyPair } from "../protocol/signing.js";
import { deviceTopic } from "../protocol/topics.js";
import type { Hub } from "../hub/hub.js";
import type { Kiosk } from "../device/kiosk.js";
import type { PushableFrameSource } from "../device/scan/types.js";
import { renderBarcodePng } from "../device/scan/testing/barcode-images.js";
import { isBun } from "../storage/sqlite.js";
import {
  DEMO,
  cameraCheckout,
  provisionDemoKiosk,
  seedDemo,
  show,
  startDemoHub,
  startKiosk,
  waitForSync,
  waitUntil,
  type DemoHubOptions,
} from "../scripts/demo-env.js";
import { brokerMatrix, freePort, mosquittoBinary, mosquittoRequired, useBroker } from "./mosquitto.js";

const RICE = "6901234560015";
const MILK = "6901234560022";
const FORMULA = "6901234560039";

interface World {
  dir: string;
  sink: MemoryLogSink;
  hub: Hub;
  kiosk: Kiosk;
  source: PushableFrameSource;
  keys: KeyPair;
  hubOptions: DemoHubOptions;
  kioskConfig: ReturnType<typeof provisionDemoKiosk>;
}

function hubTotals(hub: Hub): { sales: number; points: number } {
  const m = hub.members.get(DEMO.memberId);
  return { sales: hub.ingest.totals().sales, points: m?.pointsBalance ?? -1 };
}

function kioskTotals(kiosk: Kiosk): { sales: number; points: number } {
  const entries = kiosk.store.entries();
  const points = entries.reduce((s, e) => s + (e.fact.type === "sale" ? e.fact.hints.pointsEarned : 0), 0);
  return { sales: entries.length, points };
}

const haveMosquitto = mosquittoBinary() !== undefined;

describe("mosquitto availability", () => {
  it("is present when CI requires it", () => {
    if (mosquittoRequired()) expect(haveMosquitto, "REQUIRE_MOSQUITTO=1 but no mosquitto binary").toBe(true);
    else expect(typeof haveMosquitto).toBe("boolean");
  });
});

describe.each(brokerMatrix())("end to end on $name", ({ external }) => {
  const broker = useBroker(external);
  let w: World;

  async function startWorld(): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), "e2e-"));
    const sink = new MemoryLogSink();
    const log = createLogger("e2e", { destination: sink, level: "info" });
    let hubOptions: DemoHubOptions;
    const mosq = broker.current;
    if (mosq) {
      const passwordFile = join(dir, "hub-password");
      writeFileSync(passwordFile, "unused-with-anonymous-test-broker");
      hubOptions = { dataDir: dir, external: { url: mosq.url, passwordFile, protocolVersion: 5 } };
    } else {
      hubOptions = { dataDir: dir, brokerPort: await freePort() };
    }
    const hub = await startDemoHub(hubOptions, systemClock, log);
    const { keys } = seedDemo(hub, dir);
    const kioskConfig = provisionDemoKiosk(hub, dir);
    const { kiosk, source } = await startKiosk(kioskConfig, systemClock, log);
    await waitUntil(() => kiosk.sync.current !== undefined && kiosk.store.memberByCard(DEMO.cardId) !== undefined, "kiosk ready");
    return { dir, sink, hub, kiosk, source, keys, hubOptions, kioskConfig };
  }

  beforeEach(async () => {
    w = await startWorld();
  });
  afterEach(async () => {
    await w.kiosk.stop().catch(() => undefined);
    await w.hub.stop().catch(() => undefined);
    rmSync(w.dir, { recursive: true, force: true });
  });

  it("runs camera checkouts and the hub's totals equal the kiosk's", async () => {
    const first = await cameraCheckout(w.kiosk, w.source, w.keys, [RICE, RICE, MILK]);
    expect(first.outcomes.map((o) => o.kind)).toEqual(["member", "product", "product", "product"]);
    // Gold level: 10% off everything but infant formula; 1 point per 100 yuan paid.
    expect(first.sale.priced.totals).toMatchObject({ subtotalFen: 13230, totalFen: 11907, pointsEarned: 1 });
    const second = await cameraCheckout(w.kiosk, w.source, w.keys, [FORMULA, RICE]);
    expect(second.sale.priced.lines.find((l) => l.sku === "formula-900g")?.lineTotalFen).toBe(29800);
    await waitForSync(w.kiosk);
    expect(hubTotals(w.hub)).toEqual(kioskTotals(w.kiosk));
    expect(hubTotals(w.hub)).toEqual({ sales: 2, points: 1 + 3 });
    await waitUntil(() => w.kiosk.store.member(DEMO.memberId)?.pointsBalance === 4, "kiosk view of the points");
    // The receipt went to the file sink as ESC/POS bytes, starting with ESC @.
    const { readdirSync, readFileSync } = await import("node:fs");
    const receiptsDir = join(w.dir, "kiosk", "receipts");
    const files = readdirSync(receiptsDir);
    expect(files.length).toBe(2);
    expect([...readFileSync(join(receiptsDir, files[0]!)).subarray(0, 2)]).toEqual([0x1b, 0x40]);
    // `npm run test:bun` runs this suite under Bun: the kiosk's ledger is then on bun:sqlite.
    expect(w.kiosk.storage.health().driver).toBe(isBun() ? "bun:sqlite" : "better-sqlite3");
  });

  it("loses and duplicates nothing when the kiosk crashes between checkouts and restarts", async () => {
    await cameraCheckout(w.kiosk, w.source, w.keys, [RICE]);
    await cameraCheckout(w.kiosk, w.source, w.keys, [MILK, MILK]);
    // Crash right after committing, before the hub may have acknowledged anything.
    await w.kiosk.crash();
    const log = createLogger("e2e", { destination: w.sink, level: "info" });
    const restarted = await startKiosk(w.kioskConfig, systemClock, log);
    w.kiosk = restarted.kiosk;
    w.source = restarted.source;
    await cameraCheckout(w.kiosk, w.source, w.keys, [FORMULA]);
    await waitForSync(w.kiosk);
    expect(w.kiosk.store.lastSeq()).toBe(3);
    expect(hubTotals(w.hub)).toEqual(kioskTotals(w.kiosk));
    expect(hubTotals(w.hub).sales).toBe(3);
  });

  it("keeps selling while the hub is down and delivers everything exactly once when it is back", async () => {
    await cameraCheckout(w.kiosk, w.source, w.keys, [RICE]);
    await waitForSync(w.kiosk);
    await w.hub.stop();
    await cameraCheckout(w.kiosk, w.source, w.keys, [MILK]);
    await cameraCheckout(w.kiosk, w.source, w.keys, [FORMULA, FORMULA]);
    expect(w.kiosk.store.outboxDepth()).toBe(2);
    const log = createLogger("e2e", { destination: w.sink, level: "info" });
    w.hub = await startDemoHub(w.hubOptions, systemClock, log);
    await waitForSync(w.kiosk, 30_000);
    expect(hubTotals(w.hub)).toEqual(kioskTotals(w.kiosk));
    expect(hubTotals(w.hub).sales).toBe(3);
  });

  it("refuses bad scans with a clear log line and changes nothing", async () => {
    const before = w.kiosk.store.lastSeq();
    const garbage = await show(w.kiosk, w.source, await renderBarcodePng("hello, not a member code", "QRCode", 4), "garbage");
    expect(garbage).toMatchObject({ kind: "refused", code: "UNRECOGNISED_CODE" });
    const forged = createMemberCode(DEMO.cardId, generateKeyPair(), w.kiosk.clock.now());
    expect(await show(w.kiosk, w.source, await renderBarcodePng(forged, "QRCode", 4), "forged")).toMatchObject({ kind: "refused", code: "CODE_INVALID" });
    const expired = createMemberCode(DEMO.cardId, w.keys, w.kiosk.clock.now() - 5 * 60_000);
    expect(await show(w.kiosk, w.source, await renderBarcodePng(expired, "QRCode", 4), "expired")).toMatchObject({ kind: "refused", code: "CODE_INVALID" });
    const unknownCard = createMemberCode("C999999", generateKeyPair(), w.kiosk.clock.now());
    expect(await show(w.kiosk, w.source, await renderBarcodePng(unknownCard, "QRCode", 4), "unknown-card")).toMatchObject({
      kind: "refused",
      code: "MEMBER_UNKNOWN",
    });
    // A product before any member, then an unknown product inside a session.
    expect(await show(w.kiosk, w.source, await renderBarcodePng(RICE, "EAN13", 3), "rice")).toMatchObject({ kind: "refused", code: "MEMBER_FIRST" });
    const code = createMemberCode(DEMO.cardId, w.keys, w.kiosk.clock.now());
    expect(await show(w.kiosk, w.source, await renderBarcodePng(code, "QRCode", 4), "member")).toMatchObject({ kind: "member" });
    expect(await show(w.kiosk, w.source, await renderBarcodePng("4006381333931", "EAN13", 3), "unknown")).toMatchObject({
      kind: "refused",
      code: "UNKNOWN_PRODUCT",
    });
    w.kiosk.checkout.cancel();
    const msgs = w.sink.messages();
    expect(msgs).toContain("scan: not a member code or a product barcode");
    expect(msgs.some((m) => m.startsWith("member code refused: member code signature is invalid"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("member code refused: member code has expired"))).toBe(true);
    expect(msgs).toContain("unknown product barcode");
    expect(w.kiosk.store.lastSeq()).toBe(before);
  });

  it("ignores a malformed ledger message and a config bundle with a bad signature", async () => {
    await cameraCheckout(w.kiosk, w.source, w.keys, [RICE]);
    await waitForSync(w.kiosk);
    const before = hubTotals(w.hub);
    const versionBefore = w.kiosk.store.configVersion();
    const { readFileSync } = await import("node:fs");
    const a = { chainId: DEMO.chainId, storeId: DEMO.storeId, deviceId: DEMO.deviceId };
    // Publish as the kiosk itself (its own credentials), so only the payload is wrong.
    const client = await mqtt.connectAsync(w.kioskConfig.hub.url, {
      clientId: `kiosk-${DEMO.deviceId}/intruder-test`,
      username: w.kioskConfig.hub.username,
      password: readFileSync(w.kioskConfig.hub.passwordFile, "utf8"),
      protocolVersion: 4,
    });
    await client.publishAsync(deviceTopic(a, "ledger"), "{ this is not json", { qos: 1 });
    await client.publishAsync(deviceTopic(a, "ledger"), JSON.stringify({ entries: [{ seq: -1 }] }), { qos: 1 });
    await waitUntil(() => w.sink.messages().filter((m) => m === "hub: malformed message ignored").length >= 2, "hub to log malformed messages");
    await client.endAsync();
    // A bundle signed by a key the kiosk does not trust, delivered on the config topic.
    const evil = signEnvelope(generateKeyPair(), Object.keys(w.hub.trustedKeys)[0]!, { ...w.kiosk.sync.current, version: 99 });
    const hubSide = await mqtt.connectAsync(w.kioskConfig.hub.url, {
      clientId: "tamper-test",
      ...(external ? {} : { username: "hub", password: (w.hub as unknown as { broker: { hubSecret: string } }).broker.hubSecret }),
      protocolVersion: 4,
    });
    await hubSide.publishAsync(deviceTopic(a, "config"), JSON.stringify(evil), { qos: 1 });
    await waitUntil(() => w.sink.messages().includes("sync: config bundle refused; keeping the one in force"), "kiosk to refuse the bundle");
    await hubSide.endAsync();
    expect(w.kiosk.store.configVersion()).toBe(versionBefore);
    expect(w.kiosk.sync.current?.version).toBe(versionBefore);
    expect(hubTotals(w.hub)).toEqual(before);
  });
});
