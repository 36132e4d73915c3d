// Messages to members through the back office: the daily warnings (coupons and VIP expiring, the yearly points clear), the outbox list, per-member opt-out, resending by hand.
import { z } from "zod";
import { addDays, type IsoDate } from "../../protocol/rules/time.js";
import { yearlyClearAction } from "../../protocol/rules/points.js";
import type { MemberRecord } from "../../protocol/messages.js";
import { HubError } from "../errors.js";
import { HQ, STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import { callerActor, type Caller, type Routes } from "./route.js";
import { Id, Limit, MemberParams, Reason } from "./schemas.js";
import { yearlyClearStatus } from "./points.js";
import { NOTIFICATION_KINDS, type NotificationRow, optOuts, requeue, viewNotification } from "../notify/outbox.js";
import { enqueueCouponExpiringInTx, enqueuePointsClearInTx, enqueueVipExpiringInTx } from "../notify/templates.js";

const Kind = z.enum(NOTIFICATION_KINDS);
const Status = z.enum(["pending", "sending", "sent", "failed", "skipped", "unknown"]);
const DAY_MS = 86_400_000;
const BATCH = 500;

export interface DailyNotifications {
  coupons: number;
  vips: number;
  pointsClear: number;
}

/**
 * The daily job for chain-local `day`: queues the coupon-expiring (coupons expiring from `day` to
 * `couponExpiringDays` days ahead, one message per member and expiry day), VIP-expiring (within
 * `vipExpiringDays`) and, from 16 to 31 December once HQ confirmed the clear, points-clear warnings.
 * Each has a dedupe key: running a day twice, or the next day, queues nothing more for the same event.
 */
export function runDailyNotifications(d: BackofficeDeps, day: IsoDate): DailyNotifications {
  const cfg = d.settings.get().notifications;
  const out: DailyNotifications = { coupons: 0, vips: 0, pointsClear: 0 };
  const each = <T extends { member_id: string }>(sql: string, params: Array<string | number>, fn: (r: T) => boolean): number => {
    let n = 0;
    let after = "";
    for (;;) {
      const rows = d.db.prepare(`${sql} AND m.member_id > ? ORDER BY m.member_id LIMIT ${BATCH}`).all<T>(...params, after);
      if (rows.length === 0) return n;
      d.db.transaction(() => {
        for (const r of rows) if (fn(r)) n++;
      });
      after = rows[rows.length - 1]!.member_id;
    }
  };
  if (cfg.couponExpiringDays > 0) {
    const last = addDays(day, cfg.couponExpiringDays);
    const chain = d.rules.chain();
    const nameOf = (couponId: string): string => chain.coupons.find((c) => c.id === couponId)?.name ?? couponId;
    out.coupons = each<{ member_id: string; coupons: string }>(
      "SELECT m.member_id, m.coupons FROM members m WHERE m.status = 'active' AND m.coupons <> '[]'",
      [],
      (r) => {
        const byDay = new Map<string, Array<{ instanceId: string; couponId: string; name: string }>>();
        for (const c of JSON.parse(r.coupons) as MemberRecord["coupons"]) {
          if (c.expiresOn === undefined || c.expiresOn < day || c.expiresOn > last) continue;
          const list = byDay.get(c.expiresOn) ?? [];
          list.push({ instanceId: c.instanceId, couponId: c.couponId, name: nameOf(c.couponId) });
          byDay.set(c.expiresOn, list);
        }
        let queued = false;
        for (const [expiresOn, coupons] of byDay) queued = enqueueCouponExpiringInTx(d.db, d.clock, { memberId: r.member_id, expiresOn, coupons }) || queued;
        return queued;
      },
    );
  }
  if (cfg.vipExpiringDays > 0) {
    const now = d.clock.now();
    out.vips = each<{ member_id: string; card_class: string; vip_expires_at: number }>(
      "SELECT m.member_id, m.card_class, m.vip_expires_at FROM members m WHERE m.status = 'active' AND m.vip_expires_at > ? AND m.vip_expires_at <= ?",
      [now, now + cfg.vipExpiringDays * DAY_MS],
      (r) =>
        enqueueVipExpiringInTx(d.db, d.clock, {
          memberId: r.member_id,
          classId: r.card_class,
          expiresAt: r.vip_expires_at,
          expiresOn: d.rules.chainDay(r.vip_expires_at),
        }),
    );
  }
  const clear = yearlyClearAction(d.rules.chain(), day);
  if (clear.action === "warn" && clear.clearOn && yearlyClearStatus(d).acknowledged !== null) {
    const clearOn = clear.clearOn;
    out.pointsClear = each<{ member_id: string; points_balance: number }>(
      "SELECT m.member_id, m.points_balance FROM members m WHERE m.status = 'active' AND m.points_balance > 0",
      [],
      (r) => enqueuePointsClearInTx(d.db, d.clock, { memberId: r.member_id, points: r.points_balance, clearOn }),
    );
  }
  return out;
}

const Notification = z.looseObject({
  notificationId: z.string(),
  key: z.string(),
  memberId: z.string(),
  kind: Kind,
  recipient: z.string().nullable(),
  text: z.string(),
  status: Status,
  attempts: z.number().int(),
  createdAt: z.number().int(),
  sentAt: z.number().int().nullable(),
  lastError: z.string().nullable(),
});
const Preferences = z.looseObject({ optOut: z.array(z.string()), notifications: z.array(Notification) });

export function registerNotificationRoutes(r: Routes, d: BackofficeDeps): void {
  const need = (caller: Caller | undefined): Caller => {
    if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member request proof is required");
    return caller;
  };
  const memberView = (memberId: string) => ({
    optOut: optOuts(d.db, memberId),
    notifications: d.db
      .prepare("SELECT * FROM notifications WHERE member_id = ? ORDER BY created_at DESC, notification_id LIMIT 50")
      .all<NotificationRow>(memberId)
      .map(viewNotification),
  });

  r.staff(
    {
      method: "get",
      path: "/notifications",
      tag: "notifications",
      summary: "The outbox of messages to members, newest first, with counts by status",
      roles: HQ,
      query: z.strictObject({ status: Status.optional(), kind: Kind.optional(), memberId: Id.optional(), limit: Limit }),
      response: z.looseObject({ counts: z.record(z.string(), z.number().int()), notifications: z.array(Notification) }),
    },
    ({ query }) => {
      const filters: Array<[string, string | undefined]> = [
        ["status", query.status],
        ["kind", query.kind],
        ["member_id", query.memberId],
      ];
      const where = filters.filter(([, v]) => v !== undefined).map(([col]) => `${col} = ?`);
      const params = filters.flatMap(([, v]) => (v === undefined ? [] : [v]));
      const sql = `SELECT * FROM notifications ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, notification_id LIMIT ${query.limit}`;
      const counts: Record<string, number> = {};
      for (const c of d.db.prepare("SELECT status, COUNT(*) AS n FROM notifications GROUP BY status").all<{ status: string; n: number }>())
        counts[c.status] = c.n;
      return {
        counts,
        notifications: d.db
          .prepare(sql)
          .all<NotificationRow>(...params)
          .map(viewNotification),
      };
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/notifications",
      tag: "notifications",
      summary: "A member's message opt-outs and latest 50 messages",
      roles: STAFF,
      member: true,
      params: MemberParams,
      response: Preferences,
      errors: { 404: "no such member" },
    },
    ({ params, caller }) => {
      d.data.visibleTo(need(caller), params.id);
      return memberView(params.id);
    },
  );

  r.open(
    {
      method: "put",
      path: "/members/:id/notifications/opt-out",
      tag: "notifications",
      summary: "Set the kinds of messages a member does not want ('all' for none at all)",
      description:
        "Replaces the member's opt-outs. Messages already queued of an opted-out kind are not sent (kept as skipped). The member (app) or staff at the member's store may set it; audited.",
      roles: STAFF,
      member: true,
      params: MemberParams,
      body: z.strictObject({ optOut: z.array(z.union([Kind, z.literal("all")])).max(NOTIFICATION_KINDS.length + 1) }),
      response: Preferences,
      errors: { 404: "no such member" },
    },
    ({ params, body, caller }) => {
      const who = need(caller);
      d.data.visibleTo(who, params.id);
      const actor = callerActor(who);
      const kinds = [...new Set(body.optOut)].sort();
      d.db.transaction(() => {
        const before = optOuts(d.db, params.id);
        d.db.prepare("DELETE FROM notification_optouts WHERE member_id = ?").run(params.id);
        const ins = d.db.prepare("INSERT INTO notification_optouts (member_id, kind, at, actor) VALUES (?, ?, ?, ?)");
        for (const k of kinds) ins.run(params.id, k, d.clock.now(), actor.id);
        d.audit.recordInTx({
          actor,
          action: "notifications.opt-out",
          entity: "member",
          entityId: params.id,
          before: { optOut: before },
          after: { optOut: kinds },
        });
      });
      return memberView(params.id);
    },
  );

  r.staff(
    {
      method: "post",
      path: "/notifications/:notificationId/resend",
      tag: "notifications",
      summary: "Queue a failed or unknown message once more",
      description:
        "An unknown message is one the hub handed to the provider and then stopped before the answer: it may have reached the member, so resending it may send it twice. That is HQ's decision; the hub never resends by itself.",
      roles: HQ,
      params: z.strictObject({ notificationId: Id }),
      body: z.strictObject({ reason: Reason }),
      response: Notification,
      errors: { 404: "no such message", 422: "NOT_RESENDABLE (only failed or unknown messages)" },
    },
    ({ params, body, actor }) => {
      return d.db.transaction(() => {
        const before = d.db.prepare("SELECT * FROM notifications WHERE notification_id = ?").get<NotificationRow>(params.notificationId);
        if (!before) throw new HubError("NOT_FOUND", "no such message");
        if (before.status !== "failed" && before.status !== "unknown")
          throw new HubError("REFUSED", `a ${before.status} message cannot be resent; only failed or unknown ones`, { reason: "NOT_RESENDABLE" });
        const after = requeue(d.db, d.clock, params.notificationId)!;
        d.audit.recordInTx({
          actor,
          action: "notifications.resend",
          entity: "notification",
          entityId: params.notificationId,
          before: { status: before.status },
          after: { status: after.status },
          note: body.reason,
        });
        return viewNotification(after);
      });
    },
  );
}
