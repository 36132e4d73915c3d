// Follows the store's member changelog (pages and pushes by cursor) and fetches headshots; unreadable records are quarantined.
//
// One bad record must never stall the cursor: a page or push is read change by change, the good
// ones are applied, a change that fails its schema (an out-of-range balance, a broken key) is set
// aside in member_quarantine with the reason, its member's old copy is dropped (fail closed: it may
// have been a block), and the cursor moves past it, so later blocks and key revocations still arrive.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Logger } from "../../runtime/log.js";
import type { Clock } from "../../protocol/clock.js";
import { MemberChangeSchema, MembersPageSchema, MembersPushSchema, PhotoResponseSchema, decodeMessage, type MemberChange } from "../../protocol/messages.js";
import type { KioskStore, QuarantinedChange } from "../store.js";
import type { SyncLink } from "./link.js";

/** The page and push envelopes, with each change read on its own afterwards. */
const LenientPageSchema = MembersPageSchema.extend({ changes: z.array(z.unknown()) });
const LenientPushSchema = MembersPushSchema.extend({ changes: z.array(z.unknown()).min(1) });
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class MemberFollower {
  private snapshotting = false;
  private readonly photoRequests = new Set<string>();
  private readonly listeners: Array<() => void> = [];
  readonly stats = { photosFetched: 0, photosRefused: 0, quarantined: 0 };
  constructor(
    private readonly link: SyncLink,
    private readonly store: KioskStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Called after changes were set aside (the facade reports them to the hub at once). */
    private readonly onQuarantine: () => void = () => {},
  ) {}

  onMembersChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  requestMembers(): void {
    this.link.send("members/req", { cursor: this.store.memberCursor(), limit: 500, continuing: this.snapshotting });
  }

  /** A page answering our pull. Returns its hub time. */
  onPage(payload: Buffer): number | undefined {
    const page = decodeMessage(LenientPageSchema, payload);
    const { good, bad } = this.split(page.changes);
    const photosChanged = this.store.applyMemberChanges(good, page.cursor, page.snapshot, bad);
    this.snapshotting = page.more && (page.snapshot || this.snapshotting);
    this.quarantined(bad);
    if (page.more) this.requestMembers();
    this.changed(photosChanged);
    return page.hubTime;
  }

  /** A push applies only on top of exactly what this kiosk has; otherwise the kiosk pulls from its cursor. */
  onPush(payload: Buffer): void {
    const push = decodeMessage(LenientPushSchema, payload);
    const cursor = this.store.memberCursor();
    const { good, bad } = this.split(push.changes);
    const seqs = [...good.map((c) => c.seq), ...bad.map((q) => q.seq)].filter((s) => s > 0);
    if (push.prevCursor !== cursor || seqs.length < push.changes.length) {
      // Behind, or a change without a readable position: the pulled page carries the cursor past it.
      if (seqs.length < push.changes.length || Math.max(...seqs) > cursor) this.requestMembers();
      return;
    }
    const photosChanged = this.store.applyMemberChanges(good, Math.max(...seqs), false, bad);
    this.quarantined(bad);
    this.changed(photosChanged);
  }

  private split(raw: readonly unknown[]): { good: MemberChange[]; bad: QuarantinedChange[] } {
    const good: MemberChange[] = [];
    const bad: QuarantinedChange[] = [];
    for (const r of raw) {
      const parsed = MemberChangeSchema.safeParse(r);
      if (parsed.success) {
        good.push(parsed.data);
        continue;
      }
      const o = typeof r === "object" && r !== null ? (r as Record<string, unknown>) : {};
      const seq = typeof o.seq === "number" && Number.isSafeInteger(o.seq) && o.seq > 0 ? o.seq : 0;
      const member = typeof o.member === "object" && o.member !== null ? (o.member as Record<string, unknown>) : {};
      const id = typeof member.memberId === "string" ? member.memberId : o.memberId;
      let text: string;
      try {
        text = JSON.stringify(r) ?? "undefined";
      } catch {
        text = "unserialisable";
      }
      bad.push({
        seq,
        ...(typeof id === "string" && ID.test(id) ? { memberId: id } : {}),
        reason: z.prettifyError(parsed.error).replace(/\s+/g, " ").slice(0, 300),
        raw: text.slice(0, 4096),
        at: this.clock.now(),
      });
    }
    return { good, bad };
  }

  private quarantined(bad: readonly QuarantinedChange[]): void {
    if (bad.length === 0) return;
    this.stats.quarantined += bad.length;
    for (const q of bad) {
      this.log.error(
        { seq: q.seq, memberId: q.memberId, reason: q.reason },
        "sync: member change unreadable; quarantined, cursor moved on (fix it at the hub)",
      );
    }
    this.onQuarantine();
  }

  private changed(photosChanged: boolean): void {
    if (photosChanged) {
      const dropped = this.store.dropUnusedPhotos();
      if (dropped > 0) this.log.info({ dropped }, "sync: headshots no longer needed were deleted");
      this.fetchMissingPhotos();
    }
    for (const l of this.listeners) l();
  }

  /** A new connection: photo requests lost with the last one are asked again. */
  reconnected(): void {
    this.photoRequests.clear();
    this.requestMembers();
    this.fetchMissingPhotos();
  }

  /** Requests the headshots the cached members point at and this kiosk does not have yet. */
  fetchMissingPhotos(): void {
    if (!this.link.connected) return;
    for (const hash of this.store.missingPhotos()) {
      if (this.photoRequests.has(hash) || this.photoRequests.size >= 16) continue;
      this.photoRequests.add(hash);
      this.link.send("photos/req", { hash });
    }
  }

  onPhoto(payload: Buffer): void {
    const res = decodeMessage(PhotoResponseSchema, payload);
    this.photoRequests.delete(res.hash);
    if (!res.found) {
      this.log.warn({ hash: res.hash }, "sync: the hub has no such headshot");
      return;
    }
    const bytes = Buffer.from(res.data, "base64");
    if (createHash("sha256").update(bytes).digest("hex") !== res.hash) {
      this.stats.photosRefused++;
      this.log.warn({ hash: res.hash }, "sync: headshot refused: its content does not match its hash");
      return;
    }
    this.store.savePhoto(res.hash, res.mime, bytes);
    this.stats.photosFetched++;
    this.fetchMissingPhotos();
  }
}
