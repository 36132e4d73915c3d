// The back office's scheduled jobs: VIP expiry revert, sales indexing (growth at once), daily levels, the yearly points clear, daily portraits.
import type { Logger } from "../../protocol/log.js";
import type { Backoffice } from "../backoffice/index.js";
import { revertExpiredVips } from "../backoffice/vip.js";
import { runDailyLevels } from "../backoffice/levels.js";
import { runYearlyClear, yearlyClearStatus } from "../backoffice/points.js";
import { yearlyClearAction } from "../../protocol/rules/points.js";
import { jobActor } from "../audit.js";
import { Scheduler } from "./scheduler.js";
import { indexNewSales } from "./sales-index.js";
import { computePortraits } from "./portraits.js";

export const JOB_NAMES = ["vip-expiry", "sales-index", "levels", "yearly-clear", "portraits"] as const;

/** Builds the scheduler with every back-office job (not started). */
export function createJobs(bo: Backoffice, log: Logger, opts: { intervalMs?: number; instance?: string } = {}): Scheduler {
  const d = bo.deps;
  const s = new Scheduler(d.db, d.clock, log, {
    dayOf: (at) => d.rules.chainDay(at),
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.instance !== undefined ? { instance: opts.instance } : {}),
  });
  s.add({ kind: "interval", name: "vip-expiry", run: () => void revertExpiredVips(d, jobActor("vip-expiry")) });
  s.add({ kind: "interval", name: "sales-index", run: () => void indexNewSales(d, jobActor("levels")) });
  s.add({
    kind: "daily",
    name: "levels",
    catchUp: false,
    run: (day) => {
      indexNewSales(d, jobActor("levels"));
      const r = runDailyLevels(d, day, jobActor("levels"));
      if (r.upgrades + r.downgrades + r.renewals > 0) log.info({ day, ...r }, "levels evaluated");
    },
  });
  s.add({
    kind: "daily",
    name: "yearly-clear",
    catchUp: true,
    run: (day) => {
      const action = yearlyClearAction(d.rules.chain(), day).action;
      if (action === "warn") {
        const st = yearlyClearStatus(d);
        log.warn({ clearOn: st.clearOn, members: st.membersWithPoints, points: st.pointsAtStake, acknowledged: st.acknowledged !== null }, "yearly points clear coming: it cannot be undone");
      }
      if (action === "clear") {
        const r = runYearlyClear(d, day, jobActor("yearly-clear"));
        if (r.cleared) log.warn({ day, members: r.members, points: r.points }, "yearly points clear applied");
      }
    },
  });
  s.add({
    kind: "daily",
    name: "portraits",
    catchUp: false,
    run: async (day) => {
      const n = await computePortraits(d, day);
      log.info({ day, members: n }, "portraits computed");
    },
  });
  bo.setJobs({ status: () => s.status(), tick: () => s.tick() });
  return s;
}
