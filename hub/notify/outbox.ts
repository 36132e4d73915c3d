// The durable outbox of messages to members (receipts, expiry and clear warnings): enqueue once per event, claim before send, retry with backoff, at most once across crashes.
//
// A message is a row of `notifications`, written in the transaction of its event (so a rolled-back
// top-up sends nothing) with a dedupe key naming the event: a second enqueue of the same event is a
// no-op, also after a restart. The sender claims a due row (pending -> sending, in its own committed
// statement, guarded by the status so two hub instances never take the same row), hands it to the
// kind's channel (a MessageSender: log, webhook, an SMS or WeChat template provider), then marks it
// sent. A driver's clear failure is retried with exponential backoff up to maxAttempts (the webhook
// carries the notification id as Idempotency-Key for the provider to drop repeats); a refusal fails
// the row at once. A row still 'sending' after the claim lease means the hub stopped between claim and
// answer: the message may or may not have gone out, so it becomes 'unknown' and is never sent again by
// itself (at most once); HQ can resend it by hand (POST /bo/notifications/:id/resend).
import { randomBytes } from "node:crypto";
import { insertRows, type Database, type SqlParam } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { Logger } from "../../runtime/log.js";
import { type MessageSender, SenderError } from "../app/messages.js";

export const NOTIFICATION_KINDS = ["top-up-receipt", "purchase-receipt", "coupon-expiring", "vip-expiring", "points-clear"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type NotificationStatus = "pending" | "sending" | "sent" | "failed" | "skipped" | "unknown";

export interface NotificationRow {
  notification_id: string;
  dedupe_key: string;
  member_id: string;
  kind: NotificationKind;
  recipient: string | null;
  body: string;
  status: NotificationStatus;
  attempts: number;
  next_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
  channel: string | null;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
}

export interface NotificationView {
  notificationId: string;
  key: string;
  memberId: string;
  kind: NotificationKind;
  recipient: string | null;
  text: string;
  data: Record<string, unknown>;
  status: NotificationStatus;
  attempts: number;
  nextAt: number;
  channel: string | null;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
}

export function viewNotification(r: NotificationRow): NotificationView {
  const body = JSON.parse(r.body) as { text: string; data: Record<string, unknown> };
  return {
    notificationId: r.notification_id,
    key: r.dedupe_key,
    memberId: r.member_id,
    kind: r.kind,
    recipient: r.recipient,
    text: body.text,
    data: body.data,
    status: r.status,
    attempts: r.attempts,
    nextAt: r.next_at,
    channel: r.channel,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    lastError: r.last_error,
  };
}

/** The kinds a member opted out of ('all' included when every kind is off). */
export function optOuts(db: Database, memberId: string): string[] {
  return db
    .prepare("SELECT kind FROM notification_optouts WHERE member_id = ? ORDER BY kind")
    .all<{ kind: string }>(memberId)
    .map((r) => r.kind);
}

/**
 * A fresh notification id, n_ and 16 hex digits, cut from a pooled random buffer: randomBytes(8) for
 * each message cost about 7 us, 4 % of ingest's time per sale (one receipt is queued per sale).
 */
const idPool = { bytes: Buffer.alloc(0), at: 0 };
function notificationId(): string {
  if (idPool.at + 8 > idPool.bytes.length) {
    idPool.bytes = randomBytes(4096);
    idPool.at = 0;
  }
  const id = idPool.bytes.toString("hex", idPool.at, idPool.at + 8);
  idPool.at += 8;
  return `n_${id}`;
}

export function optedOut(db: Database, memberId: string, kind: NotificationKind): boolean {
  return db.prepare("SELECT 1 FROM notification_optouts WHERE member_id = ? AND kind IN (?, 'all')").get(memberId, kind) !== undefined;
}

/** A message to queue: the event's key, the member, the kind, the words and the figures. */
export interface NewNotification {
  key: string;
  memberId: string;
  kind: NotificationKind;
  text: string;
  data: Record<string, unknown>;
}

/** Where a member's message of `kind` goes: the phone (null without one) and whether the member opted out of it. */
export interface Recipient {
  phone: string | null;
  optedOut: boolean;
}

/** The phone and the opt-out in one statement (ingest queues a receipt for every sale). */
export function recipientOf(db: Database, memberId: string, kind: NotificationKind): Recipient {
  const who = db
    .prepare(
      `SELECT (SELECT phone FROM member_profiles WHERE member_id = ?) AS phone,
         CASE WHEN EXISTS (SELECT 1 FROM notification_optouts WHERE member_id = ? AND kind IN (?, 'all')) THEN 1 ELSE 0 END AS opted_out`,
    )
    .get<{ phone: string | null; opted_out: number }>(memberId, memberId, kind);
  return { phone: who?.phone ?? null, optedOut: Number(who?.opted_out ?? 0) === 1 };
}

/** The INSERT of a notification row (insertRows' head and tail): a second row with the same key does nothing. */
export const NOTIFICATION_INSERT = {
  head: "INSERT INTO notifications (notification_id, dedupe_key, member_id, kind, recipient, body, status, attempts, next_at, created_at, last_error)",
  tail: "ON CONFLICT (dedupe_key) DO NOTHING",
} as const;

/** The values of a new notification row for NOTIFICATION_INSERT (a fresh id; 'skipped' when the member opted out). */
export function notificationRow(clock: Clock, n: NewNotification, who: Recipient): SqlParam[] {
  const now = clock.now();
  const status: NotificationStatus = who.optedOut ? "skipped" : "pending";
  return [
    notificationId(),
    n.key,
    n.memberId,
    n.kind,
    who.phone,
    JSON.stringify({ text: n.text, data: n.data }),
    status,
    0,
    now,
    now,
    status === "skipped" ? "the member opted out" : null,
  ];
}

/**
 * Inside the caller's transaction: queues one message for the event named by `key` (a second call
 * with the same key does nothing and returns false). An opted-out member's message is kept as
 * 'skipped' so the event stays answered. The recipient is the member's phone (null without one:
 * a provider that addresses members by id, like WeChat templates, still gets memberId). A ledger
 * batch writes the same row through notificationRow with the batch's other rows (hub/ingest-batch.ts).
 */
export function enqueueInTx(db: Database, clock: Clock, n: NewNotification): boolean {
  return insertRows(db, NOTIFICATION_INSERT.head, [notificationRow(clock, n, recipientOf(db, n.memberId, n.kind))], NOTIFICATION_INSERT.tail) === 1;
}

export interface OutboxOptions {
  /** Channels by name; `default` is required. */
  channels: Record<string, MessageSender>;
  /** The channel of a kind (default: `default`). */
  channelFor?: (kind: NotificationKind) => string;
  /** Who claims (hub instance id), for the record. */
  instance?: string;
  maxAttempts?: number;
  /** First retry delay; doubled per attempt, capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A claim older than this is a crash between claim and answer: 'unknown'. Longer than any driver timeout. */
  leaseMs?: number;
  /** Rows per sending round. */
  batch?: number;
}

export interface SendRound {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
  /** Claims left by a stopped sender, marked unknown this round. */
  unknown: number;
}

export class Outbox {
  private readonly o: Required<Omit<OutboxOptions, "channelFor">> & Pick<OutboxOptions, "channelFor">;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger | undefined,
    o: OutboxOptions,
  ) {
    if (!o.channels.default) throw new Error("the outbox needs a default channel");
    this.o = {
      instance: "hub",
      maxAttempts: 6,
      backoffMs: 30_000,
      maxBackoffMs: 3_600_000,
      leaseMs: 5 * 60_000,
      batch: 100,
      ...o,
    };
  }

  /** The delay before retry `attempt` (1-based): backoffMs, 2x, 4x, ... capped. */
  backoff(attempt: number): number {
    return Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** Math.max(0, attempt - 1));
  }

  /** Marks claims older than the lease as unknown (never resent by themselves). */
  expireStaleClaims(): number {
    const cutoff = this.clock.now() - this.o.leaseMs;
    return this.db
      .prepare(
        "UPDATE notifications SET status = 'unknown', last_error = 'the hub stopped between claim and the provider''s answer: it may have been sent' WHERE status = 'sending' AND claimed_at < ?",
      )
      .run(cutoff).changes;
  }

  /** Claims up to `batch` due rows (committed before any is sent); two senders never claim the same row. */
  claim(): NotificationRow[] {
    const now = this.clock.now();
    const due = this.db
      .prepare("SELECT notification_id FROM notifications WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, notification_id LIMIT ?")
      .all<{ notification_id: string }>(now, this.o.batch);
    const mine: NotificationRow[] = [];
    const take = this.db.prepare(
      "UPDATE notifications SET status = 'sending', attempts = attempts + 1, claimed_by = ?, claimed_at = ? WHERE notification_id = ? AND status = 'pending'",
    );
    const read = this.db.prepare("SELECT * FROM notifications WHERE notification_id = ?");
    this.db.transaction(() => {
      for (const r of due) {
        if (take.run(this.o.instance, now, r.notification_id).changes === 1) mine.push(read.get<NotificationRow>(r.notification_id)!);
      }
    });
    return mine;
  }

  /** One round: stale claims to unknown, claim due rows, send each and record the answer. */
  async sendDue(): Promise<SendRound> {
    const round: SendRound = { claimed: 0, sent: 0, retried: 0, failed: 0, skipped: 0, unknown: this.expireStaleClaims() };
    const rows = this.claim();
    round.claimed = rows.length;
    for (const r of rows) round[await this.deliver(r)]++;
    if (round.claimed > 0 || round.unknown > 0) this.log?.info(round, "notifications sent");
    return round;
  }

  private async deliver(r: NotificationRow): Promise<"sent" | "retried" | "failed" | "skipped"> {
    const set = (sql: string, ...params: Array<string | number | null>): void => {
      this.db.prepare(`UPDATE notifications SET ${sql} WHERE notification_id = ? AND status = 'sending'`).run(...params, r.notification_id);
    };
    // Opted out after it was queued: not sent.
    if (optedOut(this.db, r.member_id, r.kind)) {
      set("status = 'skipped', last_error = 'the member opted out'");
      return "skipped";
    }
    const channel = this.o.channelFor?.(r.kind) ?? "default";
    const sender = this.o.channels[channel] ?? this.o.channels.default!;
    const body = JSON.parse(r.body) as { text: string; data: Record<string, unknown> };
    try {
      await sender.send({ to: r.recipient, text: body.text, purpose: r.kind, memberId: r.member_id, notificationId: r.notification_id, data: body.data });
    } catch (err) {
      const message = err instanceof Error ? err.message.slice(0, 500) : String(err);
      const refused = err instanceof SenderError && err.code === "SENDER_REFUSED";
      if (refused || r.attempts >= this.o.maxAttempts) {
        set("status = 'failed', channel = ?, last_error = ?", sender.kind, message);
        this.log?.warn({ notificationId: r.notification_id, kind: r.kind, attempts: r.attempts, error: message }, "notification failed for good");
        return "failed";
      }
      set("status = 'pending', channel = ?, last_error = ?, next_at = ?", sender.kind, message, this.clock.now() + this.backoff(r.attempts));
      return "retried";
    }
    set("status = 'sent', channel = ?, sent_at = ?, last_error = NULL", sender.kind, this.clock.now());
    return "sent";
  }
}

/** HQ's decision for a failed or unknown message: queue it once more (it may reach the member twice when it was unknown). */
export function requeue(db: Database, clock: Clock, notificationId: string): NotificationRow | undefined {
  db.prepare(
    "UPDATE notifications SET status = 'pending', next_at = ?, attempts = 0, claimed_by = NULL, claimed_at = NULL WHERE notification_id = ? AND status IN ('failed', 'unknown')",
  ).run(clock.now(), notificationId);
  return db.prepare("SELECT * FROM notifications WHERE notification_id = ?").get<NotificationRow>(notificationId);
}
