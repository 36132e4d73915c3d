// The counter's member search: one box for member number, card number, phone, name prefix, or a scanned live member code; paged, index-backed, scoped to the caller's stores.
import { z } from "zod";
import { ReplayGuard, verifyMemberCode } from "../../protocol/member-code.js";
import { ProtocolError } from "../../protocol/errors.js";
import { HubError } from "../errors.js";
import { STAFF, isHq, type Principal } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { QueryInt } from "./schemas.js";

export const SearchQuery = z.strictObject({
  /** Member number, card number, phone (or its first digits), a name prefix, or a live member code (`MC1.`...). */
  q: z.string().trim().min(1).max(200),
  limit: QueryInt(1, 100).default(20),
  /** Up to the count cap: past a thousand hits the search asks for a longer prefix. */
  offset: QueryInt(0, 1_000).default(0),
});

/** Counts stop here: a name prefix like 王 may match a large share of 5 million members. */
const COUNT_CAP = 1000;

/**
 * The text search's hits (member number, card number, phone prefix, name prefix); each branch must stay
 * index-backed (member-search.test.ts checks the plans) and reads at most COUNT_CAP + 1 rows in its
 * index's order, so a surname shared by a tenth of the chain costs a thousand rows, not half a million.
 * The hit set does not depend on the page asked for, so pages never overlap or skip; paging stops at
 * the count cap (the console says "1000+" and asks for more letters or digits).
 */
export function textHits(scope = ""): string {
  return [
    "SELECT member_id FROM members WHERE member_id = ?",
    "SELECT member_id FROM members WHERE card_id = ?",
    `SELECT member_id FROM (SELECT pp.member_id FROM member_profiles pp${scope ? " JOIN members m ON m.member_id = pp.member_id" : ""} WHERE pp.phone >= ? AND pp.phone < ?${scope} ORDER BY pp.phone LIMIT ${COUNT_CAP + 1}) ph`,
    `SELECT member_id FROM (SELECT m.member_id FROM members m WHERE m.name >= ? AND m.name < ?${scope} ORDER BY m.name LIMIT ${COUNT_CAP + 1}) nm`,
  ].join(" UNION ");
}
/** The text search for an HQ user (no store scope). */
export const TEXT_HITS = textHits();

const CODE_WINDOW_SECONDS = 60;

interface Row {
  member_id: string;
  card_id: string;
  name: string;
  level_id: string;
  card_class: string;
  status: "active" | "blocked";
  points_balance: number;
  balance_fen: number;
  vip_expires_at: number | null;
  phone: string | null;
  home_store_id: string | null;
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The member a live code belongs to, after checking its signature and age (read-only: the code stays usable at a kiosk). */
function memberOfCode(d: BackofficeDeps, code: string): string {
  try {
    const { cardId } = verifyMemberCode(code, {
      publicKeyOf: (card) => {
        const id = d.data.memberIdByCard(card);
        return id ? d.registry.get(id)?.cardPublicKey : undefined;
      },
      nowMs: d.clock.now(),
      replay: new ReplayGuard(),
      windowSeconds: CODE_WINDOW_SECONDS,
    });
    return d.data.memberIdByCard(cardId)!;
  } catch (err) {
    if (err instanceof ProtocolError) throw new HubError("REFUSED", `member code refused: ${err.message}`, { reason: err.code });
    throw err;
  }
}

export function searchMembers(
  d: BackofficeDeps,
  p: Principal,
  q: z.output<typeof SearchQuery>,
): { total: number; totalCapped: boolean; matchedBy: "code" | "text"; members: Array<Record<string, unknown>> } {
  const text = q.q;
  const params: Array<string | number> = [];
  // A store-scoped user's scope is applied inside the capped branches too, so the cap counts their members.
  let scope = "";
  const scopeParams: string[] = [];
  if (!isHq(p)) {
    scope = ` AND (m.stores = '[]' ${p.stores.map(() => "OR m.stores LIKE ? ESCAPE '\\'").join(" ")})`;
    for (const s of p.stores) scopeParams.push(`%"${likeEscape(s)}"%`);
  }
  let hits: string;
  let matchedBy: "code" | "text" = "text";
  if (text.startsWith("MC1.")) {
    matchedBy = "code";
    hits = "SELECT member_id FROM members WHERE member_id = ?";
    params.push(memberOfCode(d, text));
  } else {
    // Each branch is served by an index: the primary key, the card id's unique index, member_profiles_phone, members_name.
    const upper = `${text}\uffff`;
    hits = textHits(scope);
    params.push(text, text, text, upper, ...scopeParams, text, upper, ...scopeParams);
  }
  const from = `FROM (${hits}) h JOIN members m ON m.member_id = h.member_id LEFT JOIN member_profiles p ON p.member_id = m.member_id WHERE 1 = 1${scope}`;
  const counted = d.db
    .prepare(`SELECT COUNT(*) AS n FROM (SELECT m.member_id ${from} LIMIT ${COUNT_CAP + 1}) c`)
    .get<{ n: number | string }>(...params, ...scopeParams);
  const total = Number(counted?.n ?? 0);
  const rows = d.db
    .prepare(
      `SELECT m.member_id, m.card_id, m.name, m.level_id, m.card_class, m.status, m.points_balance, m.balance_fen, m.vip_expires_at, p.phone, p.home_store_id ${from} ORDER BY m.member_id LIMIT ? OFFSET ?`,
    )
    .all<Row>(...params, ...scopeParams, q.limit, q.offset);
  return {
    total: Math.min(total, COUNT_CAP),
    totalCapped: total > COUNT_CAP,
    matchedBy,
    members: rows.map((r) => ({
      memberId: r.member_id,
      cardId: r.card_id,
      name: r.name,
      phone: r.phone,
      levelId: r.level_id,
      cardClass: r.card_class,
      status: r.status,
      pointsBalance: Number(r.points_balance),
      balanceFen: Number(r.balance_fen),
      vipExpiresAt: r.vip_expires_at === null ? null : Number(r.vip_expires_at),
      homeStoreId: r.home_store_id,
    })),
  };
}

export function registerMemberSearchRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/search/members",
      tag: "members",
      summary: "Find a member at the counter: member number, card number, phone (or its first digits), name prefix, or a scanned live member code",
      description:
        "Store roles see members whose kiosk scope is the chain or one of their stores. `total` stops counting at 1000 (`totalCapped`). A live code is checked (signature, 60 s window) but not used up.",
      roles: STAFF,
      query: SearchQuery,
      errors: { 422: "the scanned member code is expired, unknown or forged (CODE_EXPIRED, CODE_UNKNOWN_CARD, CODE_BAD_SIGNATURE...)" },
    },
    ({ query, principal }) => searchMembers(d, principal, query),
  );
}
