// The kiosk's durable replay guard for live member codes: a code accepted once stays refused until its window ends, across restarts.
//
// It stores memberCodeReplayKey (the decoded card id and time), never the scanned text, so no other
// spelling of a code can pass (protocol/member-code.ts).
import type { Database } from "../storage/database.js";
import type { ReplayStore } from "../protocol/member-code.js";

export class SqliteReplayStore implements ReplayStore {
  constructor(private readonly db: Database) {}

  claim(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.db.prepare("DELETE FROM seen_codes WHERE expires_at < ?").run(nowMs);
    return this.db.prepare("INSERT OR IGNORE INTO seen_codes (code, expires_at) VALUES (?, ?)").run(key, expiresAtMs).changes === 1;
  }
}
