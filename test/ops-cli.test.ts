// hubctl and kioskctl against a real hub and kiosk over HTTP: provisioning with a one-time token, devices, config, member import, checks, metrics.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import ExcelJS from "exceljs";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import type { Hub } from "../hub/hub.js";
import { buildHub } from "../hub/compose.js";
import { parseHubConfig } from "../hub/config.js";
import { runHubctl } from "../hub/cli.js";
import { runKioskctl } from "../device/cli.js";
import type { Kiosk } from "../device/kiosk.js";
import { createKioskApp } from "../device/http.js";
import { KioskMetrics, kioskMetricsSource, mountKioskMetrics } from "../device/metrics.js";
import { renderBarcodePng } from "../device/scan/testing/barcode-images.js";
import { demoRules, startKiosk, waitUntil } from "../scripts/demo-env.js";

const TOKEN = "admin-token-for-tests";

interface Run {
  code: number;
  out: string;
  err: string;
}

function io(env: NodeJS.ProcessEnv = {}) {
  const o = { out: "", err: "" };
  return {
    o,
    io: { stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s), env, fetch: globalThis.fetch, isTTY: false },
  };
}

async function hubctl(hubUrl: string, tokenFile: string, ...args: string[]): Promise<Run> {
  const { o, io: i } = io();
  const code = await runHubctl(["--hub", hubUrl, "--token-file", tokenFile, ...args], i);
  return { code, ...o };
}

async function kioskctl(...args: string[]): Promise<Run> {
  const { o, io: i } = io();
  const code = await runKioskctl(args, i);
  return { code, ...o };
}

let dir: string;
let hub: Hub;
let hubUrl: string;
let tokenFile: string;
let kiosk: Kiosk | undefined;
let kioskServer: ServerType | undefined;
let kioskMetrics: KioskMetrics | undefined;
let kioskUrl = "";
const kioskConfigPath = (): string => join(dir, "etc", "kiosk.json");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ops-cli-"));
  tokenFile = join(dir, "admin-token");
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "admin-token.sha256"), createHash("sha256").update(TOKEN).digest("hex"), { mode: 0o600 });
  const log = createLogger("hub", { destination: new MemoryLogSink() });
  hub = await buildHub(
    parseHubConfig({
      chainId: "acme",
      dataDir: join(dir, "hub"),
      http: { host: "127.0.0.1", port: 0 },
      broker: { mode: "embedded", host: "127.0.0.1", port: 0 },
      adminTokenHashFile: join(dir, "admin-token.sha256"),
    }),
    { clock: systemClock, log },
  );
  await hub.start();
  hubUrl = `http://127.0.0.1:${hub.httpPort}`;
});

afterAll(async () => {
  kioskMetrics?.stop();
  kioskServer?.close();
  await kiosk?.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("hubctl and kioskctl", () => {
  it("print help and refuse bad usage with exit code 2", async () => {
    expect((await hubctl(hubUrl, tokenFile, "--help")).code).toBe(0);
    expect((await hubctl(hubUrl, tokenFile, "--bogus")).code).toBe(2);
    expect((await hubctl(hubUrl, tokenFile, "provision-token", "--store", "s01")).code).toBe(2);
    expect((await kioskctl("--help")).out).toContain("provision --hub URL --token T");
    expect((await kioskctl("frobnicate")).code).toBe(2);
  });

  it("provisions a kiosk with a one-time token, writing the secret 0600", async () => {
    const bad = await hubctl(hubUrl, join(dir, "no-such-token"), "provision-token", "--store", "s01", "--device", "k1");
    expect(bad.code).toBe(5);
    writeFileSync(join(dir, "wrong-token"), "nope");
    expect((await hubctl(hubUrl, join(dir, "wrong-token"), "provision-token", "--store", "s01", "--device", "k1")).code).toBe(5);

    const t = await hubctl(hubUrl, tokenFile, "provision-token", "--store", "s01", "--device", "k1", "--ttl", "5", "--json");
    expect(t.code).toBe(0);
    const { token, expiresAt } = JSON.parse(t.out) as { token: string; expiresAt: number };
    expect(token).toMatch(/^mkp_/);
    expect(expiresAt).toBeGreaterThan(Date.now());
    // The hub stores only a hash of the token.
    expect(readFileSync(join(dir, "hub", "hub.db")).includes(Buffer.from(token))).toBe(false);

    // Existing hardware settings survive provisioning.
    const kdir = join(dir, "kiosk");
    const cfg = join(dir, "etc", "kiosk.json");
    mkdirSync(join(dir, "etc"), { recursive: true });
    writeFileSync(
      cfg,
      JSON.stringify({
        dataDir: kdir,
        scan: { source: { driver: "simulated" }, decoder: "inline" },
        printer: { transport: "file", path: join(kdir, "receipts") },
        gpio: { driver: "simulated", greenLed: { line: 27 }, redLed: { line: 22 }, buzzer: { line: 23 }, gate: { line: 17 }, doorSensor: { line: 25 } },
        systemd: { notify: "off" },
      }),
    );
    const p = await kioskctl("provision", "--hub", hubUrl, "--token", token, "--config", cfg, "--json");
    expect(p.err).toBe("");
    expect(p.code).toBe(0);
    const written = JSON.parse(readFileSync(cfg, "utf8")) as {
      deviceId: string;
      hub: { url: string; passwordFile: string; trustedKeys: Record<string, string> };
      printer: { transport: string };
    };
    expect(written.deviceId).toBe("k1");
    expect(written.hub.url).toBe(hub.brokerUrl);
    expect(written.hub.trustedKeys).toEqual(hub.trustedKeys);
    expect(written.printer.transport).toBe("file");
    expect(statSync(written.hub.passwordFile).mode & 0o777).toBe(0o600);
    expect(p.out).not.toContain(readFileSync(written.hub.passwordFile, "utf8").trim());

    // Single use.
    const again = await kioskctl("provision", "--hub", hubUrl, "--token", token, "--config", join(dir, "etc", "other.json"));
    expect(again.code).toBe(5);
    expect(again.err).toContain("invalid, used or expired");
  });

  it("runs the provisioned kiosk; kioskctl reads its status, outbox and metrics; checks the hardware", async () => {
    const started = await startKiosk(
      JSON.parse(readFileSync(kioskConfigPath(), "utf8")) as never,
      systemClock,
      createLogger("kiosk", { destination: new MemoryLogSink() }),
    );
    kiosk = started.kiosk;
    const k = kiosk;
    kioskMetrics = new KioskMetrics(kioskMetricsSource(k, () => ({ error: 2 })));
    const metrics = kioskMetrics;
    await new Promise<void>((resolve) => {
      kioskServer = serve({ fetch: createKioskApp(k, [mountKioskMetrics(metrics)]).fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
        kioskUrl = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    // Healthy means the broker connected and the hub's retained presence read (it comes a moment later on a busy machine).
    await waitUntil(() => k.sync.connected && k.sync.hub().presence === "online", "kiosk connected and sees the hub");

    const st = await kioskctl("status", "--url", kioskUrl, "--json");
    expect(st.code).toBe(0);
    expect(JSON.parse(st.out)).toMatchObject({ healthy: true, connected: true });
    expect((await kioskctl("status", "--url", "http://127.0.0.1:1")).code).toBe(3);
    expect((await kioskctl("resync", "--url", kioskUrl)).code).toBe(0);

    const ob = await kioskctl("outbox", "--config", kioskConfigPath(), "--json");
    expect(ob.code).toBe(0);
    expect(JSON.parse(ob.out)).toMatchObject({ depth: 0 });

    const m = await (await fetch(`${kioskUrl}/metrics`)).text();
    for (const name of [
      "kiosk_checkouts_total",
      "kiosk_outbox_depth",
      "kiosk_sync_lag_seconds",
      "kiosk_config_version",
      "kiosk_scan_latency_seconds_bucket",
      "kiosk_driver_health",
      'kiosk_log_messages_total{level="error"} 2',
      "kiosk_sync_connected 1",
    ]) {
      expect(m).toContain(name);
    }

    const pr = await kioskctl("print-test", "--config", kioskConfigPath(), "--json");
    expect(pr.code).toBe(0);
    expect(statSync(join(dir, "kiosk", "receipts")).size).toBeGreaterThan(100);

    const png = join(dir, "ean.png");
    writeFileSync(png, await renderBarcodePng("6901234560015", "EAN13", 3));
    const sc = await kioskctl("scan-test", "--file", png, "--config", kioskConfigPath(), "--json");
    expect(sc.code).toBe(0);
    expect(JSON.parse(sc.out)).toMatchObject({ symbols: [{ format: "EAN13", text: "6901234560015", kind: "product" }] });
    expect((await kioskctl("scan-test", "--file", join(dir, "missing.png"), "--config", kioskConfigPath())).code).toBe(3);

    const g = await kioskctl("gpio-test", "--gate", "--config", kioskConfigPath(), "--json");
    expect(g.code).toBe(0);
    const steps = (JSON.parse(g.out) as { steps: Array<{ step: string; ok: boolean }> }).steps;
    expect(steps.map((s) => s.step.split(" ")[0])).toEqual(["greenLed", "redLed", "buzzer", "gate", "door"]);
    expect(steps.every((s) => s.ok)).toBe(true);
    expect((await kioskctl("check-config", "--config", join(dir, "nope.json"))).code).toBe(3);
  });

  it("lists devices, publishes config and shows the rollout", async () => {
    await waitUntil(() => hub.devices.get("k1")?.lastSeenAt !== null, "kiosk status at the hub");
    const d = await hubctl(hubUrl, tokenFile, "devices", "--json");
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out)).toMatchObject({ devices: [{ deviceId: "k1", storeId: "s01", state: "online" }] });
    expect((await hubctl(hubUrl, tokenFile, "devices", "--store", "nope")).code).toBe(3);

    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ rules: demoRules(), device: { storeName: "Store 1" } }));
    const pub = await hubctl(hubUrl, tokenFile, "config", "publish", "--store", "s01", "--file", file, "--json");
    expect(pub.code).toBe(0);
    expect(JSON.parse(pub.out)).toMatchObject({ version: 1 });
    await waitUntil(() => kiosk?.store.configVersion() === 1, "config applied on the kiosk");
    const ro = await hubctl(hubUrl, tokenFile, "rollout", "status", "--store", "s01");
    expect(ro.code).toBe(0);
    expect(ro.out).toMatch(/rollout \d+: store s01 version 1/);
    expect((await hubctl(hubUrl, tokenFile, "config", "publish", "--store", "s01", "--file", join(dir, "missing.json"))).code).toBe(3);

    const metrics = await (await fetch(`${hubUrl}/metrics`)).text();
    for (const name of [
      'hub_config_version{store="s01"} 1',
      'hub_devices{state="online"} 1',
      "hub_ingest_entries_total",
      "hub_disagreements_total",
      'hub_device_outbox_depth{store="s01",device="k1"}',
      "hub_provisioning_total",
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it("imports members from CSV and XLSX with a per-row error report, then looks one up", async () => {
    const key = generateKeyPair().publicKey;
    const csv = join(dir, "members.csv");
    writeFileSync(
      csv,
      [
        "Member ID,card_id,name,level_id,card_class,card_public_key,points_balance,phone",
        `M1,C1,"Li, Lei",gold,standard,${key},10,13800000000`,
        `M2,C2,Wang,gold,standard,not-a-key,0,`,
        `M3,C3,Zhang,gold,standard,${key},ten,`,
        `M1,C4,Dup,gold,standard,${key},0,`,
        "",
        `M4,C5,"Zhao ""Z""",silver,standard,${key},,`,
      ].join("\n"),
    );
    const r = await hubctl(hubUrl, tokenFile, "members", "import", csv, "--batch", "2", "--json");
    expect(r.code).toBe(4);
    const summary = JSON.parse(r.out) as { rows: number; imported: number; rejected: number; errorsFile: string; errors: Array<{ row: number; code: string }> };
    expect(summary).toMatchObject({ rows: 5, imported: 2, rejected: 3 });
    expect(summary.errors.map((e) => [e.row, e.code])).toEqual([
      [3, "INVALID_INPUT"],
      [4, "INVALID_INPUT"],
      [5, "CONFLICT"],
    ]);
    expect(summary.errorsFile).toBe(`${csv}.errors.csv`);
    expect(readFileSync(summary.errorsFile, "utf8").split("\n")[0]).toBe("row,code,message");
    // No partial rows: the rejected member M2 does not exist at all.
    expect(hub.members.get("M2")).toBeUndefined();
    expect(hub.members.get("M4")?.name).toBe('Zhao "Z"');

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("members");
    ws.addRow(["memberId", "cardId", "name", "levelId", "cardClass", "cardPublicKey", "vipExpiresAt"]);
    for (let i = 0; i < 30; i++) ws.addRow([`X${i}`, `CX${i}`, `Member ${i}`, "gold", "standard", key, i === 3 ? "not a date" : "2030-01-01T00:00:00Z"]);
    const xlsx = join(dir, "members.xlsx");
    await wb.xlsx.writeFile(xlsx);
    const x = await hubctl(hubUrl, tokenFile, "members", "import", xlsx, "--errors", join(dir, "x-errors.csv"));
    expect(x.code).toBe(4);
    expect(x.out).toContain("imported 29 of 30 rows");
    expect(readFileSync(join(dir, "x-errors.csv"), "utf8")).toContain("5,INVALID_INPUT,vipExpiresAt: not a date");
    expect(hub.members.get("X29")?.vipExpiresAt).toBe(Date.UTC(2030, 0, 1));

    const dry = await hubctl(hubUrl, tokenFile, "members", "import", csv, "--dry-run", "--json");
    expect(JSON.parse(dry.out)).toMatchObject({ imported: 0, dryRun: true });
    expect((await hubctl(hubUrl, tokenFile, "members", "import", join(dir, "none.csv"))).code).toBe(3);

    const g = await hubctl(hubUrl, tokenFile, "members", "get", "M1", "--json");
    expect(JSON.parse(g.out)).toMatchObject({ memberId: "M1", name: "Li, Lei", pointsBalance: 10 });
    expect((await hubctl(hubUrl, tokenFile, "members", "get", "nobody")).code).toBe(3);
  });
});
