// Member search on a chain-sized hub database: 5,000,000 members (SQLite, migrated schema), the counter's search box over HTTP
// (member number, card number, phone prefix, name prefix, a further page), p50/p99 next to a primary-key read through the same
// route stack measured in the same run, with each search's query plan.
//
//   npx tsx bench/member-search.bench.ts [--members 5000000] [--runs 200] [--json]
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { boWorld } from "../hub/backoffice/test-kit.js";
import { TEXT_HITS } from "../hub/backoffice/member-search.js";

const { values } = parseArgs({
  options: { members: { type: "string", default: "5000000" }, runs: { type: "string", default: "200" }, json: { type: "boolean", default: false } },
});
const N = Number(values.members);
const RUNS = Number(values.runs);

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文红玉兰梅海波宁云";
const memberId = (i: number): string => `M${String(i).padStart(9, "0")}`;
const phone = (i: number): string => `13${String((i * 7919) % 1_000_000_000).padStart(9, "0")}`;
const name = (i: number): string => `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i >> 3) % GIVEN.length]}${GIVEN[(i >> 7) % GIVEN.length]}`;

const w = await boWorld();
const t0 = performance.now();
const insertMember = w.db.prepare(
  "INSERT INTO members (member_id, card_id, name, level_id, card_class, card_public_key, status, stores, created_at, updated_at) VALUES (?, ?, ?, 'l90', 'standard', 'k', 'active', '[\"s1\"]', 0, 0)",
);
const insertProfile = w.db.prepare(
  "INSERT INTO member_profiles (member_id, phone, home_store_id, channel, card_issued_on, created_at, updated_at) VALUES (?, ?, 's1', 'import', '2024-01-01', 0, 0)",
);
const BATCH = 100_000;
for (let start = 0; start < N; start += BATCH) {
  w.db.transaction(() => {
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const id = memberId(i);
      insertMember.run(id, `C${String(i).padStart(9, "0")}`, name(i));
      insertProfile.run(id, phone(i));
    }
  });
  if (!values.json) process.stderr.write(`\r${Math.min(N, start + BATCH).toLocaleString()} members`);
}
w.db.exec("ANALYZE");
if (!values.json) process.stderr.write(` built in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

async function timed(path: string, token: string): Promise<{ p50: number; p99: number; hits: number }> {
  const ms: number[] = [];
  let hits = 0;
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now();
    const res = await w.call("GET", path.replace("{i}", memberId((r * 104_729) % N)), { token });
    ms.push(performance.now() - s);
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    hits += Array.isArray(res.body.members) ? res.body.members.length : 1;
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(RUNS * 0.5)]!, p99: ms[Math.min(RUNS - 1, Math.floor(RUNS * 0.99))]!, hits: hits / RUNS };
}

// {i} becomes a different member each run; phone and card numbers are derived from it like the data above.
const q = (s: string): string => `/bo/search/members?q=${encodeURIComponent(s)}`;
const scenarios: Array<[string, () => string]> = [];
const at = (f: (i: number) => string): (() => string) => {
  let r = 0;
  return () => f((r++ * 104_729) % N);
};
scenarios.push(["member number", at((i) => q(memberId(i)))]);
scenarios.push(["card number", at((i) => q(`C${String(i).padStart(9, "0")}`))]);
scenarios.push(["phone, full", at((i) => q(phone(i)))]);
scenarios.push(["phone, first 7 digits", at((i) => q(phone(i).slice(0, 7)))]);
scenarios.push(["name, full", at((i) => q(name(i)))]);
scenarios.push(["name, surname only (page 1)", at((i) => q(name(i).slice(0, 1)))]);
scenarios.push(["name, surname only (page 50)", at((i) => `${q(name(i).slice(0, 1))}&offset=980`)]);
scenarios.push(["counter staff, phone (store-scoped)", at((i) => q(phone(i)))]);

const rows: Array<{ scenario: string; p50: number; p99: number; vsBaselineP50: number; hits: number }> = [];
const baseline = await timed("/bo/members/{i}", w.tokens.hq);
rows.push({ scenario: "baseline: GET /bo/members/:id", ...baseline, vsBaselineP50: 1 });
for (const [label, next] of scenarios) {
  const token = label.startsWith("counter staff") ? w.tokens.staff1 : w.tokens.hq;
  const ms: number[] = [];
  let hits = 0;
  for (let r = 0; r < RUNS; r++) {
    const path = next();
    const s = performance.now();
    const res = await w.call("GET", path, { token });
    ms.push(performance.now() - s);
    if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status}`);
    hits += (res.body.members as unknown[]).length;
  }
  ms.sort((a, b) => a - b);
  const p50 = ms[Math.floor(RUNS * 0.5)]!;
  rows.push({ scenario: label, p50, p99: ms[Math.min(RUNS - 1, Math.floor(RUNS * 0.99))]!, vsBaselineP50: p50 / baseline.p50, hits: hits / RUNS });
}
const plan = (w.db.prepare(`EXPLAIN QUERY PLAN ${TEXT_HITS}`).all("x", "x", "x", "x\uffff", "x", "x\uffff") as Array<{ detail: string }>).map((r) => r.detail);

if (values.json) console.log(JSON.stringify({ members: N, runs: RUNS, rows, plan }));
else {
  console.log(`member search on ${N.toLocaleString()} members, ${RUNS} runs each (ms per request, through the /bo route stack)`);
  console.log(`${"scenario".padEnd(40)}${"p50".padStart(9)}${"p99".padStart(9)}${"x base".padStart(9)}${"hits".padStart(7)}`);
  for (const r of rows)
    console.log(
      `${r.scenario.padEnd(40)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}${r.vsBaselineP50.toFixed(1).padStart(9)}${r.hits.toFixed(1).padStart(7)}`,
    );
  console.log("query plan of the text search:");
  for (const d of plan) console.log(`  ${d}`);
}
w.close();
