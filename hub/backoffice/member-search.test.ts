// The counter's member search stays index-backed: EXPLAIN QUERY PLAN of each branch of the text search on the migrated SQLite schema uses an index, never a full scan (a dropped or renamed index fails here).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { TEXT_HITS } from "./member-search.js";
import { hubTestStore } from "../../test/postgres.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const plan = (sql: string, ...args: string[]): string[] =>
  (w.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);

const ARGS = ["13800", "13800", "13800", "13800\uffff", "13800", "13800\uffff"];

describe("member search query plans", () => {
  it.runIf(hubTestStore() === "postgres")("on PostgreSQL every branch can be answered from an index: with sequential scans priced out, none is left", () => {
    // An empty test table makes a sequential scan the cheapest plan; pricing it out shows whether an index can serve each branch.
    w.db.exec("SET enable_seqscan = off");
    try {
      const lines = (w.db.prepare(`EXPLAIN ${TEXT_HITS}`).all(...ARGS) as Array<Record<string, string>>).map((r) => Object.values(r)[0]!);
      expect(lines.filter((l) => /Seq Scan on (members|member_profiles)/.test(l))).toEqual([]);
      expect(lines.join("\n")).toMatch(/Index (Only )?Scan using members_pkey on members/);
      expect(lines.join("\n")).toMatch(/Index (Only )?Scan using \w*card_id\w* on members/);
      expect(lines.join("\n")).toMatch(/Index (Only )?Scan using member_profiles_phone/);
      expect(lines.join("\n")).toMatch(/Index (Only )?Scan using members_name/);
    } finally {
      w.db.exec("RESET enable_seqscan");
    }
  });

  it.runIf(hubTestStore() === "sqlite")(
    "on SQLite every branch of the text search searches an index: member number, card number, phone prefix, name prefix",
    () => {
      const details = plan(TEXT_HITS, ...ARGS);
      // "SCAN ph" / "SCAN nm" read the capped branches' own results (at most 1,001 rows each), not a table.
      expect(details.filter((d) => /^SCAN /.test(d) && !/SCAN \d|UNION|subquery|^SCAN (ph|nm)$/i.test(d))).toEqual([]);
      expect(details).toContainEqual(expect.stringMatching(/SEARCH members USING (COVERING )?INDEX sqlite_autoindex_members_1 \(member_id=\?\)/));
      expect(details).toContainEqual(expect.stringMatching(/SEARCH members USING (COVERING )?INDEX sqlite_autoindex_members_2 \(card_id=\?\)/));
      expect(details).toContainEqual(
        expect.stringMatching(/SEARCH (member_profiles|pp) USING (COVERING )?INDEX member_profiles_phone \(phone>\? AND phone<\?\)/),
      );
      expect(details).toContainEqual(expect.stringMatching(/SEARCH (members|m) USING (COVERING )?INDEX members_name \(name>\? AND name<\?\)/));
    },
  );

  it("a common name prefix reads at most 1,001 rows per branch, and a store's clerk still finds the store's members past them", async () => {
    const ins = w.db.prepare(
      "INSERT INTO members (member_id, card_id, name, level_id, card_class, card_public_key, status, stores, created_at, updated_at) VALUES (?, ?, ?, 'l90', 'standard', 'k', 'active', ?, 0, 0)",
    );
    w.db.transaction(() => {
      // 1,500 of store s2 sort before the three of store s1.
      for (let i = 0; i < 1500; i++) ins.run(`X${String(i).padStart(5, "0")}`, `CX${i}`, `王${String(i).padStart(5, "0")}`, '["s2"]');
      for (let i = 0; i < 3; i++) ins.run(`Y${i}`, `CY${i}`, `王z${i}`, '["s1"]');
    });
    const hq = await w.call("GET", `/bo/search/members?q=${encodeURIComponent("王")}&limit=100`, { token: w.tokens.hq });
    expect(hq.status).toBe(200);
    expect(hq.body).toMatchObject({ total: 1000, totalCapped: true });
    const clerk = await w.call("GET", `/bo/search/members?q=${encodeURIComponent("王")}`, { token: w.tokens.staff1 });
    expect((clerk.body.members as Array<{ memberId: string }>).map((m) => m.memberId)).toEqual(["Y0", "Y1", "Y2"]);
    const page = await w.call("GET", `/bo/search/members?q=${encodeURIComponent("王")}&limit=100&offset=900`, { token: w.tokens.hq });
    expect((page.body.members as unknown[]).length).toBe(100);
    expect((await w.call("GET", `/bo/search/members?q=x&offset=1001`, { token: w.tokens.hq })).status).toBe(400);
  });
});
