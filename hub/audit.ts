// The audit trail: every back-office and job change as who, when, what, before and after, written in the change's own transaction.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";

/** Who made a change: a back-office user, or a scheduled job (`job:<name>`). */
export interface Actor {
  id: string;
  role: string | null;
}

export interface AuditEntry {
  actor: Actor;
  /** Dotted verb, e.g. `member.create`, `top-up.refund`, `vip.extend`. */
  action: string;
  entity: string;
  entityId: string;
  storeId?: string | null;
  before?: unknown;
  after?: unknown;
  note?: string | null;
}

export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  role: string | null;
  action: string;
  entity: string;
  entityId: string;
  storeId: string | null;
  before: unknown;
  after: unknown;
  note: string | null;
}

export interface AuditQuery {
  entity?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  /** Only entries about these stores (store-scoped readers). */
  stores?: readonly string[];
  from?: number;
  to?: number;
  /** Entries with an id below this (paging backwards from the newest). */
  beforeId?: number;
  limit: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  role: string | null;
  action: string;
  entity: string;
  entity_id: string;
  store_id: string | null;
  before: string | null;
  after: string | null;
  note: string | null;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

export const jobActor = (job: string): Actor => ({ id: `job:${job}`, role: null });

export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Inside the caller's transaction, so the record exists exactly when the change does. */
  recordInTx(e: AuditEntry): void {
    this.db
      .prepare("INSERT INTO audit_log (at, actor, role, action, entity, entity_id, store_id, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(this.clock.now(), e.actor.id, e.actor.role, e.action, e.entity, e.entityId, e.storeId ?? null, json(e.before), json(e.after), e.note ?? null);
  }

  /** Newest first. */
  list(q: AuditQuery): AuditRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const eq = (col: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq("entity", q.entity);
    eq("entity_id", q.entityId);
    eq("actor", q.actor);
    eq("action", q.action);
    if (q.from !== undefined) {
      where.push("at >= ?");
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push("at < ?");
      args.push(q.to);
    }
    if (q.beforeId !== undefined) {
      where.push("id < ?");
      args.push(q.beforeId);
    }
    if (q.stores) {
      where.push(`store_id IN (${q.stores.map(() => "?").join(",") || "NULL"})`);
      args.push(...q.stores);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    return this.db
      .prepare(sql)
      .all<AuditRow>(...args, q.limit)
      .map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        role: r.role,
        action: r.action,
        entity: r.entity,
        entityId: r.entity_id,
        storeId: r.store_id,
        before: r.before === null ? null : (JSON.parse(r.before) as unknown),
        after: r.after === null ? null : (JSON.parse(r.after) as unknown),
        note: r.note,
      }));
  }
}
