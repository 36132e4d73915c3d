// Idempotent back-office operations: an Idempotency-Key is applied once; a replay with the same request gets the first answer.
import { createHash } from "node:crypto";
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { MemberRegistry } from "../members.js";
import { HubError } from "../errors.js";
import { transact, type Work } from "./work.js";

export interface OperationResult<T> {
  replayed: boolean;
  result: T;
}

export class Operations {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
  ) {}

  /**
   * Runs `fn` once per key, in one transaction with the stored answer. The same key with the same
   * request for the same member answers what the first call answered; with another request, or
   * against another member (the member is part of the request: the first member's answer is never
   * shown for a second one), it is refused (409).
   */
  run<T>(key: string, kind: string, memberId: string | null, request: unknown, fn: (w: Work) => T): OperationResult<T> {
    const hash = createHash("sha256")
      .update(kind)
      .update("\u0000")
      .update(JSON.stringify(request ?? null))
      .digest("hex");
    return transact(this.db, this.members, (w) => {
      const prev = this.db
        .prepare("SELECT kind, member_id, request_hash, response FROM bo_operations WHERE op_key = ?")
        .get<{ kind: string; member_id: string | null; request_hash: string; response: string }>(key);
      if (prev) {
        if (prev.kind !== kind || prev.request_hash !== hash || (prev.member_id ?? null) !== memberId) {
          throw new HubError("CONFLICT", "this Idempotency-Key was used for another request", { reason: "IDEMPOTENCY_KEY_REUSED" });
        }
        return { replayed: true, result: JSON.parse(prev.response) as T };
      }
      const result = fn(w);
      this.db
        .prepare("INSERT INTO bo_operations (op_key, kind, member_id, request_hash, response, at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(key, kind, memberId, hash, JSON.stringify(result), this.clock.now());
      return { replayed: false, result };
    });
  }
}
