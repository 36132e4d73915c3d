// The notifications outbox: one message per event (the ingested sale's receipt), claim before send, retries with backoff, opt-out, two senders, and a sender killed between claim and answer (at most once).
import { spawn } from "node:child_process";
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { type MessageSender, type OutgoingMessage, SenderError } from "../app/messages.js";
import { hubTestStore } from "../../test/postgres.js";
import { K1, T0, openIngestWorld, riceSale, type IngestWorld } from "../ingest-world.testkit.js";
import { Outbox, enqueueInTx, requeue, type NotificationRow } from "./outbox.js";

let w: IngestWorld;
beforeEach(async () => {
  w = await openIngestWorld();
  w.db
    .prepare(
      "INSERT INTO member_profiles (member_id, phone, channel, card_issued_on, created_at, updated_at) VALUES ('m1', '13800000001', 'till', '2026-01-01', 0, 0)",
    )
    .run();
});
afterEach(() => w.close());

const sale = riceSale;

class Recorder implements MessageSender {
  readonly kind = "recorder";
  readonly sent: OutgoingMessage[] = [];
  failWith: SenderError | undefined;
  async send(m: OutgoingMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(m);
  }
}

const rows = (): NotificationRow[] => w.db.prepare("SELECT * FROM notifications ORDER BY created_at, notification_id").all<NotificationRow>();
const queue = (key: string, kind: "coupon-expiring" | "vip-expiring" = "coupon-expiring"): boolean =>
  w.db.transaction(() => enqueueInTx(w.db, w.clock, { key, memberId: "m1", kind, text: `msg ${key}`, data: { key } }));

describe("notifications outbox", () => {
  it("queues a purchase receipt in the ingest transaction, once per sale however often the kiosk resends it", async () => {
    w.ingest.handleBatch(K1, { entries: [sale(1)] });
    w.ingest.handleBatch(K1, { entries: [sale(1)] });
    const [r, ...more] = rows();
    expect(more).toEqual([]);
    expect(r).toMatchObject({ dedupe_key: "purchase:sale-1", member_id: "m1", kind: "purchase-receipt", recipient: "13800000001", status: "pending" });
    expect(JSON.parse(r!.body).text).toBe("消费 ¥107.82，获得积分 1；余额 ¥0.00，积分 1。 Purchase ¥107.82, 1 points earned; balance ¥0.00, 1 points.");
    // A rejected sale (unknown member) writes nothing, its message neither.
    w.ingest.handleBatch(K1, { entries: [sale(2, { memberId: "nobody" })] });
    expect(rows()).toHaveLength(1);
    const sender = new Recorder();
    const outbox = new Outbox(w.db, w.clock, undefined, { channels: { default: sender } });
    expect(await outbox.sendDue()).toMatchObject({ claimed: 1, sent: 1 });
    expect(sender.sent).toEqual([
      expect.objectContaining({ to: "13800000001", purpose: "purchase-receipt", memberId: "m1", notificationId: r!.notification_id }),
    ]);
    expect(rows()[0]).toMatchObject({ status: "sent", sent_at: T0, channel: "recorder", attempts: 1 });
    expect(await outbox.sendDue()).toMatchObject({ claimed: 0, sent: 0 });
    expect(sender.sent).toHaveLength(1);
  });

  it("retries a provider failure with doubling backoff, fails after maxAttempts, and fails a refusal at once", async () => {
    queue("a");
    const sender = new Recorder();
    sender.failWith = new SenderError("SENDER_UNAVAILABLE", "the message gateway answered 503");
    const outbox = new Outbox(w.db, w.clock, undefined, { channels: { default: sender }, maxAttempts: 3, backoffMs: 1000 });
    expect(await outbox.sendDue()).toMatchObject({ claimed: 1, retried: 1 });
    expect(rows()[0]).toMatchObject({ status: "pending", attempts: 1, next_at: T0 + 1000, last_error: "the message gateway answered 503" });
    w.clock.advance(999);
    expect((await outbox.sendDue()).claimed).toBe(0);
    w.clock.advance(1);
    await outbox.sendDue();
    expect(rows()[0]).toMatchObject({ status: "pending", attempts: 2, next_at: T0 + 1000 + 2000 });
    w.clock.advance(2000);
    expect(await outbox.sendDue()).toMatchObject({ failed: 1 });
    expect(rows()[0]).toMatchObject({ status: "failed", attempts: 3 });
    w.clock.advance(3_600_000);
    expect((await outbox.sendDue()).claimed).toBe(0);
    queue("b");
    sender.failWith = new SenderError("SENDER_REFUSED", "the message gateway answered 400");
    expect(await outbox.sendDue()).toMatchObject({ claimed: 1, failed: 1 });
    expect(outbox.backoff(1)).toBe(1000);
    expect(new Outbox(w.db, w.clock, undefined, { channels: { default: sender } }).backoff(20)).toBe(3_600_000);
    expect(sender.sent).toEqual([]);
  });

  it("does not send to a member who opted out, whether before or after the message was queued", async () => {
    const sender = new Recorder();
    const outbox = new Outbox(w.db, w.clock, undefined, { channels: { default: sender } });
    queue("before-opt-out");
    w.db.prepare("INSERT INTO notification_optouts (member_id, kind, at, actor) VALUES ('m1', 'coupon-expiring', 0, 't')").run();
    queue("after-opt-out");
    queue("vip", "vip-expiring");
    expect(
      rows()
        .map((r) => [r.dedupe_key, r.status])
        .sort(),
    ).toEqual([
      ["after-opt-out", "skipped"],
      ["before-opt-out", "pending"],
      ["vip", "pending"],
    ]);
    expect(await outbox.sendDue()).toMatchObject({ claimed: 2, sent: 1, skipped: 1 });
    expect(sender.sent.map((m) => m.purpose)).toEqual(["vip-expiring"]);
    w.db.prepare("INSERT INTO notification_optouts (member_id, kind, at, actor) VALUES ('m1', 'all', 0, 't')").run();
    queue("vip-2", "vip-expiring");
    expect(rows().find((r) => r.dedupe_key === "vip-2")!.status).toBe("skipped");
  });

  it("two senders (two hub instances) never claim the same message", async () => {
    for (let i = 0; i < 30; i++) queue(`k${i}`);
    const a = new Recorder();
    const b = new Recorder();
    const oa = new Outbox(w.db, w.clock, undefined, { channels: { default: a }, instance: "a", batch: 7 });
    const ob = new Outbox(w.db, w.clock, undefined, { channels: { default: b }, instance: "b", batch: 7 });
    while ((await Promise.all([oa.sendDue(), ob.sendDue()])).some((r) => r.claimed > 0));
    const ids = [...a.sent, ...b.sent].map((m) => m.notificationId);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(a.sent.length).toBeGreaterThan(0);
    expect(b.sent.length).toBeGreaterThan(0);
  });

  it("a sender killed between claim and answer: after the restart the message is not sent again (at most once) until HQ resends it", async () => {
    queue("crash");
    queue("crash-2");
    const where =
      hubTestStore() === "sqlite"
        ? w.db
            .prepare("PRAGMA database_list")
            .all<{ name: string; file: string }>()
            .find((d) => d.name === "main")!.file
        : w.db.prepare("SELECT current_schema() AS s").get<{ s: string }>()!.s;
    const child = spawn(process.execPath, ["--import", "tsx", "hub/notify/outbox-crash.testkit.ts", hubTestStore(), where, String(w.clock.now())], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    expect(signal, out).toBe("SIGKILL");
    expect(out).toMatch(/^sending n_[0-9a-f]{16}\n$/);
    expect(rows().map((r) => [r.status, r.claimed_by, r.attempts])).toEqual([
      ["sending", "doomed", 1],
      ["sending", "doomed", 1],
    ]);
    // The restarted hub's sender: within the lease it leaves the claims alone; after it, they become unknown, never resent.
    const sender = new Recorder();
    const outbox = new Outbox(w.db, w.clock, undefined, { channels: { default: sender }, leaseMs: 60_000 });
    expect(await outbox.sendDue()).toMatchObject({ claimed: 0, unknown: 0 });
    w.clock.advance(60_001);
    expect(await outbox.sendDue()).toMatchObject({ claimed: 0, unknown: 2 });
    w.clock.advance(86_400_000);
    expect(await outbox.sendDue()).toMatchObject({ claimed: 0, unknown: 0 });
    expect(sender.sent).toEqual([]);
    expect(rows().map((r) => r.status)).toEqual(["unknown", "unknown"]);
    // HQ's decision: one of them goes out once more.
    const first = rows()[0]!;
    expect(requeue(w.db, w.clock, first.notification_id)!.status).toBe("pending");
    expect(await outbox.sendDue()).toMatchObject({ claimed: 1, sent: 1 });
    expect(sender.sent.map((m) => m.notificationId)).toEqual([first.notification_id]);
    expect(requeue(w.db, w.clock, first.notification_id)!.status).toBe("sent");
  }, 30_000);
});
