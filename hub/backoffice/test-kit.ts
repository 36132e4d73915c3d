// Test world for the back office (tests only): a hub app with the back office mounted, a signed config per store, users of every role.
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../storage/database.js";
import { openTestHubDb } from "../../test/postgres.js";
import { ManualClock } from "../../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { generateKeyPair, type KeyPair } from "../../protocol/signing.js";
import { createMemberCode } from "../../protocol/member-code.js";
import { DeviceRegistry } from "../devices.js";
import { MemberRegistry, type ScopedChange } from "../members.js";
import { ConfigService } from "../config-service.js";
import { Ingest } from "../ingest.js";
import { Rollouts } from "../rollouts.js";
import { createHubApp } from "../http.js";
import { Backoffice, createBackofficeServices } from "./index.js";
import { createJobs, jobsView } from "../jobs/index.js";
import type { Scheduler } from "../jobs/scheduler.js";
import { mountMemberImport } from "../member-import.js";
import type { Role } from "../auth/roles.js";

export const FULL_RULES = JSON.parse(readFileSync(new URL("../../protocol/rules/examples/full-config.json", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;
export const ADMIN_TOKEN = "admin-token-for-tests";
/** 2024-06-15 10:00 in China (UTC+8). */
export const T0 = Date.parse("2024-06-15T10:00:00+08:00");

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export interface BoWorld {
  dir: string;
  db: Database;
  clock: ManualClock;
  members: MemberRegistry;
  configs: ConfigService;
  bo: Backoffice;
  /** The scheduler the back office was given (GET /bo/jobs shows it, POST /bo/jobs/run ticks it); not started. */
  jobs: Scheduler;
  app: ReturnType<typeof createHubApp>;
  logs: MemoryLogSink;
  /** Member changes pushed to kiosks, in order. */
  pushes: ScopedChange[][];
  tokens: Record<"hq" | "mgr1" | "staff1" | "staff1bonus" | "mgr2" | "staff2", string>;
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string | Uint8Array },
  ): Promise<Reply>;
  /** Registers a member at a store with an app key; returns the member id and its key. */
  register(opts?: {
    storeId?: string;
    channel?: "till" | "online";
    memberId?: string;
    name?: string;
    birthDate?: string;
    token?: string;
  }): Promise<{ memberId: string; cardId: string; key: KeyPair }>;
  memberCode(cardId: string, key: KeyPair): string;
  close(): void;
}

export async function boWorld(opts: { rules?: Record<string, unknown>; stores?: string[] } = {}): Promise<BoWorld> {
  const dir = mkdtempSync(join(tmpdir(), "bo-"));
  const db = await openTestHubDb(dir, { synchronous: "NORMAL" });
  const clock = new ManualClock(T0);
  const logs = new MemoryLogSink();
  const log = createLogger("t", { destination: logs, level: "warn" });
  const members = new MemberRegistry(db, clock);
  const pushes: ScopedChange[][] = [];
  members.onChange = (c) => pushes.push(c);
  const configs = new ConfigService(db, clock, "acme", { keyId: "hq", keys: generateKeyPair() });
  const rules = opts.rules ?? FULL_RULES;
  for (const s of opts.stores ?? ["s1", "s2"]) configs.publish(s, { rules, device: { storeName: s } });
  const ingest = new Ingest(db, clock, members, configs, log);
  const rollouts = new Rollouts(db, clock, configs, log);
  const adminTokenHash = createHash("sha256").update(ADMIN_TOKEN).digest("hex");
  const services = createBackofficeServices({ db, clock, log, members, configs, adminTokenHash, tmpDir: dir });
  const jobs = createJobs(services, log);
  const bo = new Backoffice({ db, clock, log, members, configs, adminTokenHash, tmpDir: dir, services, jobs: jobsView(jobs) });
  const app = createHubApp({
    members,
    devices: new DeviceRegistry(db, clock),
    configs,
    ingest,
    rollouts,
    publish: (storeId, draft, plan) => {
      const config = draft ? configs.publish(storeId, draft) : configs.publishComposed(storeId);
      return { config, rollout: rollouts.start(storeId, config.version, plan) };
    },
    adminTokenHash,
    requireAdmin: (authorization) => bo.requireAdmin(authorization),
    health: () => ({}),
    mounts: [mountMemberImport(members, bo.deps), bo.mount()],
  });
  const call: BoWorld["call"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token !== null) headers.authorization ??= `Bearer ${o.token ?? ADMIN_TOKEN}`;
    let body: string | Uint8Array | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  };
  const users: Array<[keyof BoWorld["tokens"], Role, string[], string[]]> = [
    ["hq", "hq-admin", [], []],
    ["mgr1", "store-manager", ["s1"], []],
    ["staff1", "counter-staff", ["s1"], []],
    ["staff1bonus", "counter-staff", ["s1"], ["top-up:edit-bonus"]],
    ["mgr2", "store-manager", ["s2"], []],
    ["staff2", "counter-staff", ["s2"], []],
  ];
  const tokens = {} as BoWorld["tokens"];
  for (const [id, role, stores, permissions] of users) {
    const u = await call("POST", "/bo/users", { body: { userId: id, name: id, role, stores, permissions } });
    if (u.status !== 201) throw new Error(`cannot create user ${id}: ${JSON.stringify(u.body)}`);
    const t = await call("POST", `/bo/users/${id}/tokens`, { body: { label: "test" } });
    tokens[id] = String(t.body.token);
  }
  const world: BoWorld = {
    dir,
    db,
    clock,
    members,
    configs,
    bo,
    jobs,
    app,
    logs,
    pushes,
    tokens,
    call,
    async register(r = {}) {
      const key = generateKeyPair();
      const res = await call("POST", "/bo/members", {
        token: r.token ?? tokens.staff1,
        body: {
          storeId: r.storeId ?? "s1",
          channel: r.channel ?? "till",
          name: r.name ?? "Li Lei",
          cardPublicKey: key.publicKey,
          ...(r.memberId ? { memberId: r.memberId } : {}),
          ...(r.birthDate ? { birthDate: r.birthDate } : {}),
        },
      });
      if (res.status !== 201) throw new Error(`register failed: ${JSON.stringify(res.body)}`);
      const m = res.body.member as { memberId: string; cardId: string };
      return { memberId: m.memberId, cardId: m.cardId, key };
    },
    memberCode(cardId, key) {
      return createMemberCode(cardId, key, clock.now());
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** A kiosk sale as the ingest would have stored it (ledger row + sales row). */
export function insertSale(
  world: BoWorld,
  o: { memberId: string; saleId: string; at: number; totalFen: number; lines?: Array<{ sku: string; qty: number }>; storeId?: string },
): void {
  const device = `k-${o.storeId ?? "s1"}`;
  world.db
    .prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'acme', ?, 'x', 0) ON CONFLICT DO NOTHING")
    .run(device, o.storeId ?? "s1");
  const seq = world.db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM ledger WHERE device_id = ?").get<{ s: number }>(device)?.s ?? 1;
  const fact = { type: "sale", saleId: o.saleId, memberId: o.memberId, lines: o.lines ?? [{ sku: "rice-5kg", qty: 1 }] };
  world.db
    .prepare(
      "INSERT INTO ledger (device_id, seq, entry_id, type, at, config_version, body, status, applied_at) VALUES (?, ?, ?, 'sale', ?, 1, ?, 'applied', ?)",
    )
    .run(device, seq, `e-${device}-${seq}`, o.at, JSON.stringify(fact), o.at);
  world.db
    .prepare(
      "INSERT INTO sales (sale_id, device_id, seq, member_id, at, subtotal_fen, total_fen, savings_fen, points_earned, offline_approved) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0)",
    )
    .run(o.saleId, device, seq, o.memberId, o.at, o.totalFen, o.totalFen);
}

/** What the generated import file holds. */
export interface ImportFixture {
  rows: number;
  bad: number;
  /** Data rows (1-based file lines) that must be rejected, with the code expected. */
  badRows: Map<number, string>;
}

/**
 * Writes a member CSV with `rows` data rows; every `badEvery`th row is bad in one of six ways
 * (missing name, bad key, duplicate member number, bad points, unknown level, bad birthday).
 */
export function writeMemberCsv(path: string, rows: number, badEvery = 100): ImportFixture {
  const out = openSync(path, "w");
  const badRows = new Map<number, string>();
  const key = (i: number): string => createHash("sha256").update(`k${i}`).digest("base64url").slice(0, 43);
  let chunk = "memberId,cardId,name,levelId,cardClass,cardPublicKey,pointsBalance,balanceFen,birthday\n";
  for (let i = 1; i <= rows; i++) {
    let cells = [`IM${i}`, `IC${i}`, `Member ${i}`, "normal", "standard", key(i), String(i % 1000), String((i % 7) * 100), `0${(i % 9) + 1}-1${i % 9}`];
    if (i % badEvery === 0) {
      const kind = (i / badEvery) % 6;
      const line = i + 1;
      if (kind === 0) (cells[2] = ""), badRows.set(line, "INVALID_INPUT");
      if (kind === 1) (cells[5] = "not-a-key"), badRows.set(line, "INVALID_INPUT");
      if (kind === 2) (cells = [`IM${i - 1}`, ...cells.slice(1)]), badRows.set(line, "CONFLICT");
      if (kind === 3) (cells[6] = "12.5"), badRows.set(line, "INVALID_INPUT");
      if (kind === 4) (cells[3] = "no-such-level"), badRows.set(line, "INVALID_INPUT");
      if (kind === 5) (cells[8] = "3/3"), badRows.set(line, "INVALID_INPUT");
    }
    chunk += `${cells.join(",")}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(out, chunk);
      chunk = "";
    }
  }
  writeSync(out, chunk);
  closeSync(out);
  return { rows, bad: badRows.size, badRows };
}
