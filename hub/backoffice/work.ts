// One unit of back-office work: a transaction, the member changes it produced, and their push to the kiosks after commit.
import type { Database } from "../../storage/database.js";
import type { MemberRegistry, ScopedChange } from "../members.js";

export class Work {
  readonly changes: ScopedChange[] = [];
  add(changes: readonly ScopedChange[]): void {
    this.changes.push(...changes);
  }
}

/** Runs `fn` in one transaction; the kiosks hear about the member changes only once it has committed. */
export function transact<T>(db: Database, members: MemberRegistry, fn: (w: Work) => T): T {
  let w = new Work();
  const result = db.transaction(() => {
    // A fresh one per attempt: a transaction retried after a serialisation failure notifies once.
    w = new Work();
    return fn(w);
  });
  members.notify(w.changes);
  return result;
}
