// Member code frame -> price ready for a known member, through the real kiosk (camera frame -> worker decode -> checkout -> customer view), next to the bare decode of the same frames.
// Run: npx tsx bench/checkout-latency.bench.ts   (needs ffmpeg; BENCH_N=200 frames per scenario, BENCH_MEMBERS=5000 cached members)
//
// "Price ready" = the kiosk has identified the member (signature, replay guard, member cache, staff
// policy), started the session and built the customer display's view: member prices, the best coupon
// combination, points to earn, balance. Scenario A times it from the member code's frame; scenario B
// from a product's frame with a 4-line cart and 6 held coupons (the reprice after each scan). The bare
// decode is the same frame through the same worker decoder, alone, in the same run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, signEnvelope } from "../protocol/signing.js";
import { MemberRecordSchema, type MemberChange } from "../protocol/messages.js";
import { openDatabase, migrate } from "../storage/sqlite.js";
import { createSilentLogger } from "../device/health.js";
import { createLogger } from "../runtime/log.js";
import { KIOSK_MIGRATIONS } from "../device/schema.js";
import { KioskStore } from "../device/store.js";
import { parseKioskConfig } from "../device/config.js";
import { createHardware } from "../device/hardware.js";
import type { ScanOutcome } from "../device/kiosk.js";
import { buildKiosk } from "../device/compose.js";
import { WorkerDecoder } from "../device/scan/worker-decoder.js";
import type { PushableFrameSource } from "../device/scan/types.js";
import { displayView } from "../device/pages/view-model.js";
import { imagesToGray, renderBarcodePng } from "../device/scan/testing/barcode-images.js";

const N = Number(process.env.BENCH_N ?? 200);
const CACHED = Number(process.env.BENCH_MEMBERS ?? 5000);
const W = 640;
const H = 480;

function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** The code centred on a mid-gray 640x480 camera frame (the luminance plane the camera path decodes). */
function cameraFrame(g: { data: Uint8Array; width: number; height: number }): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(W * H).fill(128);
  const x0 = Math.max(0, Math.floor((W - g.width) / 2));
  const y0 = Math.max(0, Math.floor((H - g.height) / 2));
  for (let y = 0; y < Math.min(g.height, H); y++) data.set(g.data.subarray(y * g.width, y * g.width + Math.min(g.width, W)), (y0 + y) * W + x0);
  return { data, width: W, height: H };
}

async function grayFrames(pngs: Uint8Array[], dir: string): Promise<Array<{ data: Uint8Array; width: number; height: number }>> {
  const paths = pngs.map((p, i) => {
    const path = join(dir, `f${i}.png`);
    writeFileSync(path, p);
    return path;
  });
  return (await imagesToGray(paths)).map(cameraFrame);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "checkout-latency-"));
  const log = createLogger("bench", { level: "silent" });
  try {
    // ---------------------------------------------------------------- a kiosk with a signed config and a full member cache
    const hq = generateKeyPair();
    const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const coupons = [
      { id: "t200-50", name: "Spend 200 get 50", kind: "amount-off", thresholdFen: 20000, offFen: 5000 },
      { id: "t100-20", name: "Spend 100 get 20", kind: "amount-off", thresholdFen: 10000, offFen: 2000 },
      { id: "v5", name: "5 off", kind: "amount-off", offFen: 500 },
      { id: "dairy-90", name: "dairy 10% off", kind: "percent-off", percent: 90, scope: { categories: ["dairy"] } },
      { id: "milk-free", name: "free milk", kind: "free-item", sku: "milk-1l" },
      { id: "excl", name: "exclusive 60", kind: "amount-off", thresholdFen: 30000, offFen: 6000, exclusive: true },
    ];
    const content = { version: 1, chainId: "bench", storeId: "s01", issuedAt: Date.now(), rules: { ...rules, coupons }, device: { storeName: "Bench store" } };
    // The kiosk opens <dataDir>/kiosk.db: seed it (signed config, member cache) before it starts.
    const kioskDir = join(dir, "kiosk");
    mkdirSync(kioskDir, { recursive: true });
    const kdb = await openDatabase(join(kioskDir, "kiosk.db"));
    migrate(kdb, KIOSK_MIGRATIONS);
    const store = new KioskStore(kdb);
    store.saveConfig(1, signEnvelope(hq, "hq", content), Date.now());
    const held = coupons.map((c, i) => ({ instanceId: `i${i}`, couponId: c.id, expiresOn: "2099-12-31" }));
    const benchKeys = Array.from({ length: N }, () => generateKeyPair());
    const filler = generateKeyPair().publicKey;
    const changes: MemberChange[] = [];
    for (let i = 0; i < CACHED; i++) {
      const bench = i < N;
      changes.push({
        kind: "upsert",
        seq: i + 1,
        member: MemberRecordSchema.parse({
          memberId: `M${i}`,
          cardId: `C${i}`,
          name: "会员",
          levelId: "gold",
          cardClass: "standard",
          status: "active",
          cardPublicKey: bench ? benchKeys[i]!.publicKey : filler,
          pointsBalance: 2_000,
          balanceFen: 100_000,
          coupons: bench ? held : [],
        }),
      });
    }
    for (let i = 0; i < changes.length; i += 1000) store.applyMemberChanges(changes.slice(i, i + 1000), Math.min(i + 1000, changes.length), i === 0);
    kdb.close();
    const secret = join(dir, "secret");
    writeFileSync(secret, "unused");
    const config = parseKioskConfig({
      chainId: "bench",
      storeId: "s01",
      deviceId: "k1",
      dataDir: kioskDir,
      // No broker: the kiosk sells offline, as it must; the connection retries in the background.
      hub: { url: "mqtt://127.0.0.1:9", username: "k1", passwordFile: secret, trustedKeys: { hq: hq.publicKey } },
      scan: { source: { driver: "simulated" }, decoder: "worker" },
      printer: { transport: "simulated" },
      gpio: { driver: "simulated" },
      logLevel: "silent",
    });
    const hardware = await createHardware(config, { clock: systemClock, log });
    const kiosk = await buildKiosk(config, { hardware, clock: systemClock, log });
    await kiosk.start();
    const source = hardware.source as PushableFrameSource;
    const bare = new WorkerDecoder({ logger: createSilentLogger() });
    await bare.start();

    // ---------------------------------------------------------------- frames: a fresh live code per member, and one product
    const now = Date.now();
    const memberPngs = await Promise.all(benchKeys.map((k, i) => renderBarcodePng(createMemberCode(`C${i}`, k, now), "QRCode", 4)));
    const memberFrames = await grayFrames(memberPngs, dir);
    const [productFrame] = await grayFrames([await renderBarcodePng("6901234560022", "EAN13", 3)], dir);
    if (!productFrame) throw new Error("no product frame");

    let pending: ((o: ScanOutcome) => void) | undefined;
    let readyAt = 0;
    kiosk.onScanOutcome((_r, o) => {
      // The view the customer display is sent: built right after the scan was handled.
      displayView(kiosk);
      readyAt = performance.now();
      pending?.(o);
    });
    const through = (frame: { data: Uint8Array; width: number; height: number }): Promise<{ ms: number; outcome: ScanOutcome }> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no scan outcome in 5 s")), 5000);
        const t0 = performance.now();
        pending = (outcome) => {
          clearTimeout(timer);
          pending = undefined;
          resolve({ ms: readyAt - t0, outcome });
        };
        source.push(frame);
      });
    let seq = 0;
    const bareMs = async (frame: { data: Uint8Array; width: number; height: number }): Promise<number> => {
      const t0 = performance.now();
      const out = await bare.decode({ kind: "gray", ...frame, at: Date.now(), seq: ++seq }, "fast");
      if (out.symbols.length === 0) throw new Error("bare decode found nothing");
      return performance.now() - t0;
    };

    // Warm-up (worker start, JIT, SQLite page cache).
    for (let i = 0; i < 5; i++) await bareMs(memberFrames[i]!);

    const a = { e2e: [] as number[], bare: [] as number[] };
    const b = { e2e: [] as number[], bare: [] as number[] };
    for (let i = 0; i < N; i++) {
      kiosk.checkout.reset();
      hardware.scanner.clearDuplicates();
      const frame = memberFrames[i]!;
      const r = await through(frame);
      if (r.outcome.kind !== "member") throw new Error(`member ${i} refused: ${JSON.stringify(r.outcome)}`);
      a.e2e.push(r.ms);
      a.bare.push(await bareMs(frame));
      // Scenario B: a 4-line cart, then a product frame: the reprice with the best of 6 coupons.
      for (const code of ["6901234560015", "6901234560039", "6901234560046", "6901234560053"]) kiosk.handleText(code);
      hardware.scanner.clearDuplicates();
      const p = await through(productFrame);
      if (p.outcome.kind !== "product") throw new Error(`product refused: ${JSON.stringify(p.outcome)}`);
      b.e2e.push(p.ms);
      b.bare.push(await bareMs(productFrame));
    }
    const view = displayView(kiosk);
    await bare.stop();
    await kiosk.stop();

    const row = (name: string, v: number[]): string =>
      `| ${name} | ${pct(v, 0.5).toFixed(2)} | ${pct(v, 0.99).toFixed(2)} | ${Math.min(...v).toFixed(2)} | ${Math.max(...v).toFixed(2)} |`;
    console.log(
      `# checkout latency: frame arriving -> price ready, ${N} frames per scenario, ${CACHED} members cached, ${W}x${H} gray frames, worker decoder (fast pass)`,
    );
    console.log(
      `node ${process.version}, ${process.platform}/${process.arch}; the last reprice chose ${view.cart?.coupons.length ?? 0} coupon(s), total ${view.cart?.totals.totalFen ?? "?"} fen\n`,
    );
    console.log("| measure (ms) | median | p99 | min | max |");
    console.log("|---|---|---|---|---|");
    console.log(row("A. member code frame -> member identified, session started, customer view ready", a.e2e));
    console.log(row("   bare decode of the same member-code frames", a.bare));
    console.log(row("B. product frame (4-line cart, 6 coupons held) -> repriced view ready", b.e2e));
    console.log(row("   bare decode of the same product frame", b.bare));
    console.log(
      `\nratio of medians (end to end / bare decode): A ${(pct(a.e2e, 0.5) / pct(a.bare, 0.5)).toFixed(2)}x, B ${(pct(b.e2e, 0.5) / pct(b.bare, 0.5)).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
