// Scheduled jobs on an injected clock: once per day across restarts, catch-up, the yearly clear across the year boundary, VIP expiry, levels, growth at once, portraits.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, FULL_RULES, insertSale, type BoWorld } from "../backoffice/test-kit.js";
import { Scheduler } from "./scheduler.js";
import { createJobs } from "./index.js";

let w: BoWorld;
const log = createLogger("t", { destination: new MemoryLogSink(), level: "silent" });
const at = (iso: string): number => Date.parse(iso);
let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `jobs-test-${++n}-${Math.random().toString(36).slice(2)}` });

afterEach(() => w.close());

describe("scheduler", () => {
  beforeEach(async () => {
    w = await boWorld();
  });

  it("applies a daily job once per day, also after a restart, and catches up only when asked", async () => {
    const runs: string[] = [];
    const make = (): Scheduler =>
      new Scheduler(w.db, w.clock, log, { dayOf: (t) => w.bo.deps.rules.chainDay(t) })
        .add({ kind: "daily", name: "daily-a", catchUp: false, run: (day) => void runs.push(`a:${day}`) })
        .add({ kind: "daily", name: "daily-b", catchUp: true, run: (day) => void runs.push(`b:${day}`) });
    w.clock.set(at("2024-03-10T23:59:00+08:00"));
    let s = make();
    await s.tick();
    await s.tick();
    expect(runs).toEqual(["a:2024-03-10", "b:2024-03-10"]);
    w.clock.set(at("2024-03-11T00:00:30+08:00")); // a new local day (still the 10th in UTC)
    s = make(); // a restart
    await s.tick();
    expect(runs.slice(2)).toEqual(["a:2024-03-11", "b:2024-03-11"]);
    await make().tick();
    expect(runs).toHaveLength(4);
    w.clock.set(at("2024-03-14T08:00:00+08:00")); // down for two days
    await make().tick();
    expect(runs.slice(4)).toEqual(["a:2024-03-14", "b:2024-03-12", "b:2024-03-13", "b:2024-03-14"]);
    expect(s.lastDay("daily-b")).toBe("2024-03-14");
  });

  it("shows the jobs and the day each applied", async () => {
    await w.jobs.tick();
    const jobs = await w.call("GET", "/bo/jobs", { token: w.tokens.mgr1 });
    expect(jobs.body.jobs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ job: "levels", kind: "daily", lastDay: "2024-06-15", lastError: null }),
        expect.objectContaining({ job: "yearly-clear", kind: "daily", lastDay: "2024-06-15" }),
        expect.objectContaining({ job: "portraits", kind: "daily", lastDay: "2024-06-15" }),
        expect.objectContaining({ job: "vip-expiry", kind: "interval", lastDay: null }),
      ]),
    );
    expect((await w.call("POST", "/bo/jobs/run", { token: w.tokens.mgr1, body: {} })).status).toBe(403);
  });

  it("retries a failed day on the next tick and never marks it applied", async () => {
    let fail = true;
    const runs: string[] = [];
    const s = new Scheduler(w.db, w.clock, log, { dayOf: (t) => w.bo.deps.rules.chainDay(t) }).add({
      kind: "daily",
      name: "flaky",
      catchUp: true,
      run: (day) => {
        runs.push(day);
        if (fail) throw new Error("boom");
      },
    });
    await s.tick();
    expect(s.lastDay("flaky")).toBeNull();
    expect(s.status()[0]).toMatchObject({ lastError: "boom" });
    fail = false;
    await s.tick();
    expect(s.lastDay("flaky")).toBe("2024-06-15");
    expect(runs).toEqual(["2024-06-15", "2024-06-15"]);
  });
});

describe("yearly points clear", () => {
  beforeEach(async () => {
    w = await boWorld({ rules: { ...FULL_RULES, points: { ...(FULL_RULES.points as object), yearlyClear: true } } });
  });

  it("warns from 16 December, clears at 00:00 on 1 January once, keeps points earned after midnight", async () => {
    w.clock.set(at("2024-12-10T12:00:00+08:00"));
    const a = await w.register();
    const b = await w.register();
    for (const [m, p] of [
      [a.memberId, 500],
      [b.memberId, 30],
    ] as const) {
      await w.call("POST", `/bo/members/${m}/points/adjustments`, { token: w.tokens.mgr1, body: { points: p, reason: "opening" }, headers: key() });
    }
    const jobs = createJobs(w.bo.deps, log);
    await jobs.tick();
    expect((await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.hq })).body).toMatchObject({
      action: "none",
      clearOn: "2025-01-01",
      warning: null,
    });
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: {} })).body.reason).toBe("NOT_IN_WARNING_WINDOW");
    w.clock.set(at("2024-12-16T00:00:01+08:00"));
    await jobs.tick();
    const warn = await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.mgr1 });
    expect(warn.body).toMatchObject({ action: "warn", clearOn: "2025-01-01", membersWithPoints: 2, pointsAtStake: 530 });
    expect(String(warn.body.warning)).toMatch(/cannot be undone/);
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.mgr1, body: {} })).status).toBe(403);
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: { note: "intended" } })).body).toMatchObject({
      acknowledged: { by: "hq" },
    });

    // 23:59:59 on 31 December: nothing yet.
    w.clock.set(at("2024-12-31T23:59:59+08:00"));
    await jobs.tick();
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(500);
    // Points earned at 00:00:10 on 1 January, before the job runs, are kept.
    w.clock.set(at("2025-01-01T00:00:10+08:00"));
    await w.call("POST", `/bo/members/${a.memberId}/points/adjustments`, {
      token: w.tokens.mgr1,
      body: { points: 7, reason: "new year gift" },
      headers: key(),
    });
    w.clock.set(at("2025-01-01T00:00:40+08:00"));
    await jobs.tick();
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(7);
    expect(w.members.get(b.memberId)!.pointsBalance).toBe(0);
    const status = await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.hq });
    expect(status.body).toMatchObject({ action: "clear", lastClear: { year: 2025, members: 2, points: 530 } });
    // Never twice: more ticks, a restart, and a manual run change nothing.
    await jobs.tick();
    await createJobs(w.bo.deps, log).tick();
    expect((await w.call("POST", "/bo/jobs/run", { token: w.tokens.hq, body: {} })).status).toBe(200);
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(7);
    const ledger = await w.call("GET", `/bo/members/${a.memberId}/ledger?kind=points`, { token: w.tokens.hq });
    expect((ledger.body.entries as Array<{ reason: string; points: number }>).filter((e) => e.reason === "yearly-clear")).toEqual([
      expect.objectContaining({ points: -500 }),
    ]);
    const audit = await w.call("GET", "/bo/audit?action=points.yearly-clear", { token: w.tokens.hq });
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: "job:yearly-clear", after: { year: 2025, members: 2, points: 530 } })]);
    // The next year clears again (once), confirmed again.
    w.clock.set(at("2025-12-20T10:00:00+08:00"));
    await jobs.tick();
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: {} })).body).toMatchObject({ willClear: true });
    w.clock.set(at("2026-01-01T03:00:00+08:00"));
    await jobs.tick();
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(0);
  });

  it("skips the clear nobody confirmed (no accidental clear): points kept, recorded and audited once", async () => {
    w.clock.set(at("2024-12-20T12:00:00+08:00"));
    const a = await w.register();
    await w.call("POST", `/bo/members/${a.memberId}/points/adjustments`, { token: w.tokens.mgr1, body: { points: 250, reason: "x" }, headers: key() });
    const jobs = createJobs(w.bo.deps, log);
    await jobs.tick();
    expect((await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.hq })).body).toMatchObject({
      action: "warn",
      willClear: false,
      acknowledged: null,
    });
    expect(String((await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.hq })).body.warning)).toMatch(/请审核确认/);
    w.clock.set(at("2025-01-01T00:01:00+08:00"));
    await jobs.tick();
    await createJobs(w.bo.deps, log).tick();
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(250);
    const status = await w.call("GET", "/bo/points/yearly-clear", { token: w.tokens.hq });
    expect(status.body).toMatchObject({ lastClear: null, skipped: { year: 2025 } });
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'points.yearly-clear.skipped'").get<{ n: number }>()!.n).toBe(1);
    // Acknowledging is only possible in the warning window, so January cannot clear by accident either.
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: {} })).body.reason).toBe("NOT_IN_WARNING_WINDOW");
  });

  it("clears a missed 1 January when the hub comes back", async () => {
    w.clock.set(at("2024-12-30T12:00:00+08:00"));
    const a = await w.register();
    await w.call("POST", `/bo/members/${a.memberId}/points/adjustments`, { token: w.tokens.mgr1, body: { points: 99, reason: "x" }, headers: key() });
    await createJobs(w.bo.deps, log).tick();
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: {} })).status).toBe(200);
    w.clock.set(at("2025-01-03T09:00:00+08:00"));
    await createJobs(w.bo.deps, log).tick();
    expect(w.members.get(a.memberId)!.pointsBalance).toBe(0);
  });
});

describe("VIP expiry and levels", () => {
  beforeEach(async () => {
    w = await boWorld();
  });

  it("reverts VIPs on the tick after expiry", async () => {
    const { memberId } = await w.register();
    await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-trial-7d", payment: { method: "cash" } },
      headers: key(),
    });
    const jobs = createJobs(w.bo.deps, log);
    w.clock.advance(7 * DAY_MS - 1000);
    await jobs.tick();
    expect(w.members.get(memberId)!.cardClass).toBe("vip-gold");
    w.clock.advance(1000);
    await jobs.tick();
    await jobs.tick();
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 })).body).toMatchObject({
      effectiveCardClass: "standard",
      vip: { active: false },
    });
    const records = await w.call("GET", `/bo/vip/records?memberId=${memberId}`, { token: w.tokens.staff1 });
    expect((records.body.records as Array<{ kind: string }>).map((r) => r.kind)).toEqual(["revert", "purchase"]);
    // A restart does not revert twice.
    await createJobs(w.bo.deps, log).tick();
    expect(((await w.call("GET", `/bo/vip/records?memberId=${memberId}`, { token: w.tokens.staff1 })).body.records as unknown[]).length).toBe(2);
  });

  it("upgrades by cumulative top-up the next day and downgrades by balance after the validity", async () => {
    const { memberId } = await w.register();
    const jobs = createJobs(w.bo.deps, log);
    await jobs.tick();
    for (let i = 0; i < 2; i++) {
      await w.call("POST", `/bo/members/${memberId}/top-ups`, {
        token: w.tokens.staff1,
        body: { storeId: "s1", amountFen: 50000, payment: { method: "cash" } },
        headers: key(),
      });
    }
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("normal"); // reached today: effective tomorrow
    const preview = await w.call("GET", `/bo/members/${memberId}/level`, { token: w.tokens.staff1 });
    expect(preview.body).toMatchObject({ metrics: { cumulativeTopUpFen: 100000 }, next: { to: "l95", effectiveOn: "2024-06-16" } });
    w.clock.set(at("2024-06-16T00:01:00+08:00"));
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("l95");
    await jobs.tick();
    const level = await w.call("GET", `/bo/members/${memberId}/level`, { token: w.tokens.staff1 });
    expect(level.body.history).toEqual([
      expect.objectContaining({ from: "normal", to: "l95", kind: "upgrade", effectiveOn: "2024-06-16", actor: "job:levels" }),
    ]);

    // l95 lasts 365 days from 2024-06-16 (through 2025-06-15); the balance then decides: below 100 yuan drops to normal.
    w.db.prepare("UPDATE members SET balance_fen = 5000, bonus_balance_fen = 0 WHERE member_id = ?").run(memberId);
    w.clock.set(at("2025-06-15T12:00:00+08:00"));
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("l95");
    w.clock.set(at("2025-06-16T00:00:05+08:00"));
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("normal");
  });

  it("renews a level whose balance still qualifies, and HQ alone edits the level rules", async () => {
    const { memberId } = await w.register();
    await w.call("PATCH", `/bo/members/${memberId}`, { token: w.tokens.hq, body: { levelId: "l95" } });
    w.db.prepare("UPDATE members SET balance_fen = 20000 WHERE member_id = ?").run(memberId);
    const jobs = createJobs(w.bo.deps, log);
    w.clock.set(at("2025-06-15T01:00:00+08:00"));
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("l95");
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.hq })).body).toMatchObject({ level: { levelSince: "2025-06-15" } });

    const levels = (await w.call("GET", "/bo/levels", { token: w.tokens.staff1 })).body as { levels: unknown[]; levelUpgrade: unknown };
    expect((await w.call("PUT", "/bo/levels", { token: w.tokens.mgr1, body: levels })).status).toBe(403);
    const bad = await w.call("PUT", "/bo/levels", {
      token: w.tokens.hq,
      body: { ...levels, levels: [{ id: "x", name: "X", downgrade: { kind: "to-level", levelId: "nope" }, validityDays: 3 }] },
    });
    expect(bad.status).toBe(422);
    expect((await w.call("PUT", "/bo/levels", { token: w.tokens.hq, body: { ...levels, levelUpgrade: { metric: "spend" } } })).status).toBe(200);
  });

  it("upgrades by growth value at once when a sale is indexed", async () => {
    const rules = structuredClone(FULL_RULES) as { levelUpgrade: unknown; levels: Array<Record<string, unknown>> };
    rules.levelUpgrade = { metric: "growth" };
    for (const l of rules.levels) {
      if (l.downgrade) l.downgrade = { kind: "recompute" };
      if (typeof l.upgradeThreshold === "number") l.upgradeThreshold = l.upgradeThreshold / 100; // l95 at 1000 growth (yuan)
    }
    w.close();
    w = await boWorld({ rules });
    const { memberId } = await w.register();
    const jobs = createJobs(w.bo.deps, log);
    insertSale(w, { memberId, saleId: "s-1", at: w.clock.now(), totalFen: 99_999, lines: [{ sku: "formula-900g", qty: 2 }] });
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("normal"); // 999 growth
    insertSale(w, { memberId, saleId: "s-2", at: w.clock.now(), totalFen: 100 });
    await jobs.tick();
    expect(w.members.get(memberId)!.levelId).toBe("l95"); // 1000 growth: at once, and growth resets
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.hq })).body).toMatchObject({ level: { growth: 0, levelSince: "2024-06-15" } });
    const lines = w.db.prepare("SELECT sku, category, brand, qty FROM sale_lines WHERE sale_id = 's-1'").all();
    expect(lines).toEqual([{ sku: "formula-900g", category: "infant-formula", brand: "aptamil", qty: 2 }]);
  });

  it("adds each sale's growth value once when one batch indexes several sales of a member", async () => {
    const { memberId } = await w.register();
    const jobs = createJobs(w.bo.deps, log);
    const before = w.bo.deps.data.levelState(memberId).growth;
    // 1.50 and 2.50 yuan: growth 1 + 2 (each sale rounds down on its own), in one indexing batch.
    insertSale(w, { memberId, saleId: "g-1", at: w.clock.now(), totalFen: 150 });
    insertSale(w, { memberId, saleId: "g-2", at: w.clock.now(), totalFen: 250 });
    await jobs.tick();
    expect(w.bo.deps.data.levelState(memberId).growth - before).toBe(3);
    await jobs.tick();
    expect(w.bo.deps.data.levelState(memberId).growth - before).toBe(3);
  });
});
