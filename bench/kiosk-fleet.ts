// The simulated kiosks of bench/sync.bench.ts in a process of their own (real kiosks are other machines), driven over the fork IPC channel.
//
// The parent provisions the kiosks at its hub and sends their configs and the members' phone keys;
// this process starts them, sells offline on request, and says when every kiosk has its outbox
// acknowledged, so the parent's process is the hub alone and its CPU time is the hub's.
import { cpuUsage } from "node:process";
import type { KioskConfigInput } from "../device/config.js";
import type { Kiosk } from "../device/kiosk.js";
import { waitUntil } from "../scripts/demo-env.js";
import { hasCatalog, sellOffline } from "./bench-kiosks.js";
import { SyncWorld, allSynced, type TestMember } from "../test/sync-harness.js";
import { recordBatches, replayBatches, type RecordedBatches } from "./ledger-replay.js";
import { WindowProfiler } from "./process-meter.js";

/** What the parent asks. */
export type FleetRequest =
  | { op: "start"; kiosks: KioskConfigInput[]; members: TestMember[]; catalogItems: number }
  | { op: "sell"; perKiosk: number }
  /** Records the batches each kiosk would send and stops the kiosks (the feed of a later `watch`, replayed). */
  | { op: "record" }
  /** Resolves when every kiosk is acknowledged: the kiosks send themselves, or after `record` the recorded batches are replayed. */
  | { op: "watch"; profile?: string }
  | { op: "stop" };

/** What this process answers: `cpuMs` is its own CPU time over the step. */
export type FleetReply =
  | { op: "ready" }
  | { op: "sold"; entryBytes: number; cpuMs: number }
  | { op: "recorded"; batches: number }
  | { op: "synced"; cpuMs: number }
  | { op: "failed"; error: string };

const world = new SyncWorld();
const kiosks: Kiosk[] = [];
let members: TestMember[] = [];
let recorded: RecordedBatches[] | undefined;

function reply(r: FleetReply): void {
  process.send?.(r);
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const c = cpuUsage(start);
  return (c.user + c.system) / 1000;
}

async function handle(req: FleetRequest): Promise<void> {
  switch (req.op) {
    case "start": {
      members = req.members;
      for (const config of req.kiosks) {
        world.kioskConfigs.set(config.deviceId, config);
        kiosks.push(await world.startKiosk(config.deviceId));
      }
      await hasCatalog(kiosks, req.catalogItems);
      for (const k of kiosks) await waitUntil(() => members.every((m) => k.store.member(m.memberId) !== undefined), "kiosk has the members", 60_000);
      reply({ op: "ready" });
      return;
    }
    case "sell": {
      const cpu0 = cpuUsage();
      await Promise.all(kiosks.map((k) => sellOffline(world, k, members, req.perKiosk)));
      reply({ op: "sold", entryBytes: Buffer.byteLength(JSON.stringify(kiosks[0]!.store.entries()[0])), cpuMs: cpuMsSince(cpu0) });
      return;
    }
    case "record": {
      // Recorded while the hub is down (the kiosks hold everything), then the kiosks stop: only the replay sends.
      recorded = recordBatches(kiosks.map((kiosk) => ({ kiosk, config: world.kioskConfigs.get(kiosk.deviceId)! })));
      for (const k of kiosks) await k.stop();
      reply({ op: "recorded", batches: recorded.reduce((n, r) => n + r.batches.length, 0) });
      return;
    }
    case "watch": {
      const cpu0 = cpuUsage();
      const profiler = req.profile ? new WindowProfiler() : undefined;
      await profiler?.start();
      if (recorded) await replayBatches(recorded);
      else await allSynced(kiosks, 600_000);
      if (req.profile) await profiler?.stop(req.profile);
      reply({ op: "synced", cpuMs: cpuMsSince(cpu0) });
      return;
    }
    case "stop":
      await world.stop();
      process.exit(0);
  }
}

process.on("message", (req: FleetRequest) => {
  handle(req).catch((err: unknown) => reply({ op: "failed", error: (err as Error).stack ?? String(err) }));
});
