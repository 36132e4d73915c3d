// Prints where a .cpuprofile spent its time: the top functions by self time and by inclusive time, and the top files by self time.
//
//   npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 30] [--match ingest]
//
// Self time is the sampled time a function was on top of the stack; inclusive time also counts the
// functions it called (each sample once per function, however often the function recurs on the stack).
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, match: { type: "string" } },
});
const file = positionals[0];
if (!file) throw new Error("usage: npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 30] [--match text]");
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

function where(url: string): string {
  if (!url) return "(native)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  return path.startsWith("/") ? relative(process.cwd(), path) : path;
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// Line numbers of TypeScript run through tsx are the transpiled module's, not the source's: left out there.
const key = (n: ProfileNode): string => {
  const f = where(n.callFrame.url);
  return `${n.callFrame.functionName || "(anonymous)"}  ${f.endsWith(".ts") || f === "(native)" ? f : `${f}:${n.callFrame.lineNumber + 1}`}`;
};
/** Samples taken while the profiler itself starts or stops (bench/process-meter.ts) are not the workload's. */
const isProfilerOwn = (id: number): boolean => {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
    if (byId.get(cur)!.callFrame.url.endsWith("bench/process-meter.ts")) return true;
  return false;
};

const selfUs = new Map<number, number>();
let totalUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  if (isProfilerOwn(profile.samples[i]!)) continue;
  const dt = profile.timeDeltas[i] ?? 0;
  totalUs += dt;
  selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
}
const selfByKey = new Map<string, number>();
const inclByKey = new Map<string, number>();
const selfByFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  selfByKey.set(key(node), (selfByKey.get(key(node)) ?? 0) + us);
  const f = where(node.callFrame.url);
  selfByFile.set(f, (selfByFile.get(f) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclByKey.set(k, (inclByKey.get(k) ?? 0) + us);
  }
}

function print(title: string, m: Map<string, number>): void {
  process.stdout.write(`\n${title}\n`);
  const rows = [...m].filter(([k]) => values.match === undefined || k.includes(values.match)).sort((a, b) => b[1] - a[1]);
  for (const [k, us] of rows.slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${k}\n`);
  }
}
process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${profile.samples.length} samples\n`);
print("self time, by function", selfByKey);
print("inclusive time, by function", inclByKey);
print("self time, by file", selfByFile);
