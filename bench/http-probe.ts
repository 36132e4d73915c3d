// A separate process timing a hub's HTTP answers while a bench loads it: `GET /healthz` and a back-office member read, in turn, until told to stop; prints the latencies (ms), and how late its own timer fired, as JSON.
//
//   node --import tsx bench/http-probe.ts <hub url> <member id> <admin token> [pause ms]
//
// Run outside the bench's own process so the simulated kiosks' event loop does not add to the figures.
import { performance } from "node:perf_hooks";

const [base, memberId, token, pause = "10"] = process.argv.slice(2);
if (!base || !memberId || !token) throw new Error("usage: http-probe.ts <hub url> <member id> <admin token> [pause ms]");
/** lag: how late this process's own pause timer fired (ms): the machine's CPU queue, not the hub's. */
const out = { healthz: [] as number[], member: [] as number[], lag: [] as number[], errors: 0 };
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});

async function timed(url: string, headers: Record<string, string>): Promise<number | undefined> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { headers });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return performance.now() - t0;
  } catch {
    out.errors++;
    return undefined;
  }
}

process.stdout.write("ready\n");
while (!stopping) {
  const h = await timed(`${base}/healthz`, {});
  if (h !== undefined) out.healthz.push(h);
  const m = await timed(`${base}/bo/members/${encodeURIComponent(memberId)}`, { authorization: `Bearer ${token}` });
  if (m !== undefined) out.member.push(m);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(pause)));
  out.lag.push(Math.max(0, performance.now() - t0 - Number(pause)));
}
process.stdout.write(`${JSON.stringify(out)}\n`);
