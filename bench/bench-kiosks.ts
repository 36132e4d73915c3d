// What the ingest bench does with its simulated kiosks, wherever they run (bench/sync.bench.ts, bench/kiosk-fleet.ts): wait for the catalog, sell offline.
import type { Kiosk } from "../device/kiosk.js";
import { waitUntil } from "../scripts/demo-env.js";
import type { SyncWorld, TestMember } from "../test/sync-harness.js";

/**
 * Waits until every kiosk prices with the whole catalog: the bundle, and (a kiosk that follows catalog
 * deltas gets the bundle without it) the catalog snapshot, which for 50,000 items comes a while later.
 */
export async function hasCatalog(kiosks: readonly Kiosk[], items: number): Promise<void> {
  for (const k of kiosks) await waitUntil(() => (k.sync.current?.rules.catalog.length ?? 0) >= items, `kiosk has the ${items}-item catalog`, 600_000);
}

/** The bench's sales: one line or two, members in turn. */
export async function sellOffline(w: SyncWorld, kiosk: Kiosk, members: readonly TestMember[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) await w.checkout(kiosk, members[i % members.length]!, i % 2 ? ["6901234560015"] : ["6901234560022", "6901234560046"]);
}
