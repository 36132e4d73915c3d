// The back office's scheduled jobs: VIP expiry revert, sales indexing (growth at once), daily levels, the yearly points clear, daily portraits, birthday coupons, expiry of unclaimed counter tickets, messages to members (daily warnings, the outbox sender).
import type { Logger } from "../../runtime/log.js";
import type { BackofficeDeps, JobsView } from "../backoffice/deps.js";
import { revertExpiredVips } from "../backoffice/vip.js";
import { runDailyLevels } from "../backoffice/levels.js";
import { runYearlyClear, yearlyClearStatus } from "../backoffice/points.js";
import { yearlyClearAction } from "../../protocol/rules/points.js";
import { jobActor } from "../audit.js";
import { Scheduler } from "./scheduler.js";
import { indexNewSalesYielding } from "./sales-index.js";
import { computePortraits } from "./portraits.js";
import { runBirthdayCoupons } from "../backoffice/coupons-issue.js";
import { expireClaims } from "../backoffice/claims.js";
import { runDailyNotifications } from "../backoffice/notifications.js";
import { Outbox } from "../notify/outbox.js";
import { LogSender, type MessageSender } from "../app/messages.js";

export const JOB_NAMES = [
  "vip-expiry",
  "sales-index",
  "levels",
  "yearly-clear",
  "portraits",
  "birthday-coupons",
  "claims-expiry",
  "notifications-daily",
  "notifications-send",
] as const;

/** Builds the scheduler with every back-office job (not started), over the back office's services (createBackofficeServices). */
export function createJobs(d: BackofficeDeps, log: Logger, opts: { intervalMs?: number; instance?: string; sender?: MessageSender } = {}): Scheduler {
  const s = new Scheduler(d.db, d.clock, log, {
    dayOf: (at) => d.rules.chainDay(at),
    ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.instance !== undefined ? { instance: opts.instance } : {}),
  });
  s.add({ kind: "interval", name: "vip-expiry", run: () => void revertExpiredVips(d, jobActor("vip-expiry")) });
  s.add({
    kind: "interval",
    name: "sales-index",
    run: async () => {
      await indexNewSalesYielding(d, jobActor("levels"));
    },
  });
  s.add({
    kind: "interval",
    name: "claims-expiry",
    run: () => {
      const n = expireClaims(d, jobActor("claims-expiry"));
      if (n > 0) log.info({ expired: n }, "unclaimed pay-at-the-counter tickets expired");
    },
  });
  s.add({
    kind: "daily",
    name: "levels",
    catchUp: false,
    run: async (day) => {
      await indexNewSalesYielding(d, jobActor("levels"));
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
        log.warn(
          { clearOn: st.clearOn, members: st.membersWithPoints, points: st.pointsAtStake, acknowledged: st.acknowledged !== null },
          "yearly points clear coming: it cannot be undone",
        );
      }
      if (action === "clear") {
        const r = runYearlyClear(d, day, jobActor("yearly-clear"));
        if (r.cleared) log.warn({ day, members: r.members, points: r.points }, "yearly points clear applied");
        if (r.skipped) log.warn({ day }, "yearly points clear skipped: HQ did not confirm it from 16 to 31 December; points are kept");
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
  s.add({
    kind: "daily",
    name: "birthday-coupons",
    catchUp: true,
    run: (day) => {
      const n = runBirthdayCoupons(d, day, jobActor("birthday-coupons"));
      if (n > 0) log.info({ day, members: n }, "birthday coupons given");
    },
  });
  s.add({
    kind: "daily",
    name: "notifications-daily",
    catchUp: false,
    run: (day) => {
      const r = runDailyNotifications(d, day);
      if (r.coupons + r.vips + r.pointsClear > 0) log.info({ day, ...r }, "member warnings queued");
    },
  });
  const outbox = new Outbox(d.db, d.clock, log, {
    channels: { default: opts.sender ?? new LogSender(log) },
    ...(opts.instance !== undefined ? { instance: opts.instance } : {}),
  });
  s.add({
    kind: "interval",
    name: "notifications-send",
    run: async () => {
      await outbox.sendDue();
    },
  });
  return s;
}

/** What the back office sees of the scheduler (GET /bo/jobs, POST /bo/jobs/run), passed to its constructor. */
export function jobsView(s: Scheduler): JobsView {
  return { status: () => s.status(), tick: () => s.tick() };
}
