// The kiosk's durable replay guard for live member codes: a code accepted once stays refused until its window ends, across restarts.
import type { Database } from "../storage/sqlite.js";
import type { ReplayStore } from "../protocol/member-code.js";

export class SqliteReplayStore implements ReplayStore {
  constructor(private readonly db: Database) {}

  claim(code: string, expiresAtMs: number, nowMs: number): boolean {
    this.db.prepare("DELETE FROM seen_codes WHERE expires_at < ?").run(nowMs);
    return this.db.prepare("INSERT OR IGNORE INTO seen_codes (code, expires_at) VALUES (?, ?)").run(code, expiresAtMs).changes === 1;
  }
}
