// The demo world: a hub with its embedded broker, a demo member with a phone key, one simulated kiosk, real checkouts.
//
// Used by `npm start` (scripts/start.ts) and by the end-to-end tests, so the demo and the tests run
// the same path: PNG images of live member codes and EAN-13 barcodes go through the kiosk's frame
// source, zxing-wasm in a worker, the checkout, SQLite, MQTT and the hub's exactly-once ingest.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../runtime/log.js";
import type { Clock } from "../protocol/clock.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
import type { Hub } from "../hub/hub.js";
import { buildHub } from "../hub/compose.js";
import { parseHubConfig } from "../hub/config.js";
import { hashSecret } from "../hub/secrets.js";
import type { Kiosk, ScanOutcome } from "../device/kiosk.js";
import { buildKiosk } from "../device/compose.js";
import { parseKioskConfig, type KioskConfigInput } from "../device/config.js";
import { createHardware } from "../device/hardware.js";
import type { CompletedSale } from "../device/session/index.js";
import type { PushableFrameSource } from "../device/scan/types.js";
import { renderBarcodePng } from "../device/scan/testing/barcode-images.js";
import { appActivation } from "../hub/app/demo.js";

export const DEMO = { chainId: "demo", storeId: "store-001", deviceId: "kiosk-01", memberId: "M000001", cardId: "C000001" } as const;
/** The demo store's staff member, for the kiosk's staff page (the config carries only the PIN's hash). */
export const DEMO_STAFF = { staffId: "demo", name: "Demo staff 店员", pin: "2468" } as const;
/** The member a person activates in a browser (the member app); the scripted checkouts keep using DEMO's key. */
export const DEMO_APP_MEMBER = { memberId: "M000002", cardId: "C000002", name: "李雷", storeId: DEMO.storeId } as const;

export function demoRules(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
}

export interface DemoHubOptions {
  dataDir: string;
  /** 0 picks a free port. */
  brokerPort?: number;
  httpPort?: number;
  /** An external broker instead of the embedded one (tests against Mosquitto). */
  external?: { url: string; passwordFile: string; protocolVersion?: 4 | 5 };
  /** SQLite store: 1 applies ledger batches in a worker process (store.ingestWorkers); default in the hub's thread. */
  ingestWorkers?: number;
}

export async function startDemoHub(opts: DemoHubOptions, clock: Clock, log: Logger): Promise<Hub> {
  const hub = await buildHub(
    parseHubConfig({
      chainId: DEMO.chainId,
      dataDir: join(opts.dataDir, "hub"),
      http: { host: "127.0.0.1", port: opts.httpPort ?? 0 },
      broker: opts.external ? { mode: "external", ...opts.external } : { mode: "embedded", host: "127.0.0.1", port: opts.brokerPort ?? 0 },
      ...(opts.ingestWorkers ? { store: { kind: "sqlite", ingestWorkers: opts.ingestWorkers } } : {}),
    }),
    { clock, log },
  );
  await hub.start();
  return hub;
}

export const DEMO_ADMIN = { userId: "demo-admin", name: "Demo HQ admin 总部管理员" } as const;

/** The web console's URL and a one-time link (1 h) that signs the demo's hq-admin in: the demo admin has no password. */
export function demoConsole(hub: Hub): { url: string; signInLink: string } {
  const users = hub.backoffice.deps.users;
  if (!users.get(DEMO_ADMIN.userId)) hub.backoffice.deps.db.transaction(() => users.createInTx({ ...DEMO_ADMIN, role: "hq-admin" }));
  return { url: hub.consoleUrl, signInLink: hub.backoffice.signInLink(hub.consoleUrl, DEMO_ADMIN.userId) };
}

/** Publishes the demo config (once) and registers the demo member with a phone key kept in the data folder. */
export function seedDemo(hub: Hub, dataDir: string): { keys: KeyPair } {
  if (!hub.configs.latest(DEMO.storeId)) {
    hub.publishConfig(DEMO.storeId, {
      rules: demoRules(),
      device: { storeName: "Demo Member Store 会员店", staff: [{ staffId: DEMO_STAFF.staffId, name: DEMO_STAFF.name, pinHash: hashSecret(DEMO_STAFF.pin) }] },
    });
  }
  mkdirSync(dataDir, { recursive: true });
  const keyFile = join(dataDir, "member-phone-key.json");
  let keys: KeyPair;
  if (existsSync(keyFile)) keys = JSON.parse(readFileSync(keyFile, "utf8")) as KeyPair;
  else {
    keys = generateKeyPair();
    writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });
  }
  if (!hub.members.get(DEMO.memberId)) {
    hub.members.create({
      memberId: DEMO.memberId,
      cardId: DEMO.cardId,
      name: "王小明",
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: keys.publicKey,
    });
  }
  return { keys };
}

/**
 * The member app for the demo: receipts' QR codes point at this hub's e-receipt pages (the store
 * config is published again when the hub's address changed), and a one-time activation link for
 * DEMO_APP_MEMBER (valid 24 h; each run makes a new one and cancels the older).
 */
export function demoMemberApp(hub: Hub): { appUrl: string; activationLink: string } {
  const origin = `http://127.0.0.1:${hub.httpPort}`;
  const latest = hub.configs.latest(DEMO.storeId);
  const receiptUrlBase = `${origin}/r/`;
  if (latest && latest.content.device.receiptUrlBase !== receiptUrlBase) {
    hub.publishConfig(DEMO.storeId, { rules: latest.content.rules, device: { ...latest.content.device, receiptUrlBase } });
  }
  return { appUrl: `${origin}/app/`, activationLink: appActivation(hub.backoffice, DEMO_APP_MEMBER, origin).link };
}

/** Provisions the demo kiosk at the hub and writes its identity files; returns the kiosk config. */
export function provisionDemoKiosk(hub: Hub, dataDir: string, overrides: Partial<KioskConfigInput> = {}): KioskConfigInput {
  const kioskDir = join(dataDir, "kiosk");
  mkdirSync(join(kioskDir, "receipts"), { recursive: true });
  const creds = hub.devices.provision({ chainId: DEMO.chainId, storeId: DEMO.storeId, deviceId: DEMO.deviceId });
  const passwordFile = join(kioskDir, "device-secret");
  writeFileSync(passwordFile, creds.password, { mode: 0o600 });
  return {
    chainId: DEMO.chainId,
    storeId: DEMO.storeId,
    deviceId: DEMO.deviceId,
    dataDir: kioskDir,
    hub: { url: hub.brokerUrl, username: creds.username, passwordFile, trustedKeys: hub.trustedKeys },
    scan: { source: { driver: "simulated" }, scanner: { duplicateWindowMs: DEMO_DUPLICATE_WINDOW_MS }, decoder: "worker" },
    printer: { transport: "file", path: join(kioskDir, "receipts") },
    // BCM line numbers of a typical kiosk wiring (docs/hardware.md); the simulated driver records them.
    gpio: {
      driver: "simulated",
      gate: { line: 17 },
      greenLed: { line: 27 },
      redLed: { line: 22 },
      buzzer: { line: 23 },
      staffButton: { line: 24 },
      doorSensor: { line: 25 },
    },
    ...overrides,
  } as KioskConfigInput;
}

export async function startKiosk(config: KioskConfigInput, clock: Clock, log: Logger): Promise<{ kiosk: Kiosk; source: PushableFrameSource }> {
  const parsed = parseKioskConfig(config);
  const hardware = await createHardware(parsed, { clock, log });
  const kiosk = await buildKiosk(parsed, { hardware, clock, log });
  await kiosk.start();
  const source = hardware.source as PushableFrameSource;
  if (typeof source.push !== "function") throw new Error("the demo kiosk needs a pushable frame source");
  return { kiosk, source };
}

/** Resolves with the kiosk's outcome for the next scan. */
export function nextOutcome(kiosk: Kiosk, timeoutMs = 10_000): Promise<ScanOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no scan outcome in time"));
    }, timeoutMs);
    const off = kiosk.onScanOutcome((_r, o) => {
      clearTimeout(timer);
      off();
      resolve(o);
    });
  });
}

/**
 * Holds one image in front of the camera until the kiosk reacts, as a person would: the frame is
 * shown again every `everyMs` (a camera sees a held code in many frames; the scanner's duplicate
 * window turns them into one scan). Waits out the duplicate window first so that showing the same
 * product twice counts twice.
 */
export async function show(kiosk: Kiosk, source: PushableFrameSource, png: Uint8Array, name: string, everyMs = 500): Promise<ScanOutcome> {
  await new Promise((r) => setTimeout(r, SCAN_GAP_MS));
  const outcome = nextOutcome(kiosk);
  let shown = true;
  const again = setInterval(() => {
    if (shown) source.push(png, name);
  }, everyMs);
  source.push(png, name);
  try {
    return await outcome;
  } finally {
    shown = false;
    clearInterval(again);
  }
}

/** The demo kiosk's duplicate window, and the pause between two scans (longer than the window). */
export const DEMO_DUPLICATE_WINDOW_MS = 400;
const SCAN_GAP_MS = DEMO_DUPLICATE_WINDOW_MS + 50;

const pngCache = new Map<string, Uint8Array>();
export async function productPng(barcode: string): Promise<Uint8Array> {
  let png = pngCache.get(barcode);
  if (!png) {
    png = await renderBarcodePng(barcode, "EAN13", 3);
    pngCache.set(barcode, png);
  }
  return png;
}

let lastCodeSecond = 0;
/**
 * What the member's phone shows: a fresh live code. A phone never shows the same code twice for two
 * visits (the kiosk refuses a code it has already seen), so wait for the next second if needed.
 */
export async function memberCodePng(keys: KeyPair, clock: { now(): number }): Promise<Uint8Array> {
  while (Math.floor(clock.now() / 1000) <= lastCodeSecond) await new Promise((r) => setTimeout(r, 50));
  const now = clock.now();
  lastCodeSecond = Math.floor(now / 1000);
  return renderBarcodePng(createMemberCode(DEMO.cardId, keys, now), "QRCode", 4);
}

/** One whole checkout through the camera: member code, then each barcode, then pay. */
export async function cameraCheckout(
  kiosk: Kiosk,
  source: PushableFrameSource,
  keys: KeyPair,
  barcodes: readonly string[],
): Promise<{ sale: CompletedSale; outcomes: ScanOutcome[] }> {
  const outcomes: ScanOutcome[] = [];
  const who = await show(kiosk, source, await memberCodePng(keys, kiosk.clock), "member-code");
  outcomes.push(who);
  if (who.kind !== "member") throw new Error(`member code not accepted: ${JSON.stringify(who)}`);
  for (const b of barcodes) outcomes.push(await show(kiosk, source, await productPng(b), b));
  const sale = await kiosk.checkout.finish();
  return { sale, outcomes };
}

/** Waits until the hub has acknowledged everything the kiosk wrote. */
export async function waitForSync(kiosk: Kiosk, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (kiosk.store.ackedSeq() < kiosk.store.lastSeq() || kiosk.store.outboxDepth() > 0) {
    if (Date.now() > deadline) throw new Error(`kiosk not synced: acked ${kiosk.store.ackedSeq()} of ${kiosk.store.lastSeq()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until a condition holds (polling), for tests and the demo. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
