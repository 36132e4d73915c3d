// Ingest CPU per event as the sales table grows: one kiosk, one member, half the sales on stored value (the offline allowance path).
//
//   npx tsx bench/ingest-growth.bench.ts [events, default 10000]
//
// Prints the process CPU ms per event for each 2,000 sales, applied in batches of 20 through the real
// Ingest over a fresh SQLite hub database (hub/ingest-world.testkit.ts). A figure that climbs with the
// row count means a statement ingest runs per sale walks a growing part of a table.
import type { LedgerEntry } from "../protocol/messages.js";
import { K1, T0, openIngestWorld, riceSale } from "../hub/ingest-world.testkit.js";

const N = Number(process.argv[2] ?? 10_000);
const CHUNK = 2000;
const w = await openIngestWorld(10_000_000);

function sale(seq: number): LedgerEntry {
  const onBalance = seq % 2 === 1;
  const entry = riceSale(
    seq,
    onBalance
      ? {
          tenders: [
            { kind: "balance", amountFen: 100 },
            { kind: "external", amountFen: 10682 },
          ],
          offlineApproved: true,
        }
      : {},
  );
  return { ...entry, at: T0 + seq };
}

let seq = 0;
try {
  while (seq < N) {
    const entries = Array.from({ length: Math.min(CHUNK, N - seq) }, () => sale(++seq));
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < entries.length; i += 20) w.ingest.handleBatch(K1, { entries: entries.slice(i, i + 20) });
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`sales ${seq}: ${((cpu.user + cpu.system) / 1000 / entries.length).toFixed(3)} ms CPU per event\n`);
  }
  process.stdout.write(`applied ${w.ingest.stats.applied}, rejected ${w.ingest.stats.rejected}\n`);
} finally {
  w.close();
}
