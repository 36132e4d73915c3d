// Sync over real MQTT: per-store member changelog, headshots by hash, stored-value authorisation, staged config rollout.
import { describe, it, expect, afterEach } from "vitest";
import { randomBytes } from "node:crypto";
import { waitUntil } from "../scripts/demo-env.js";
import { CheckoutError } from "../device/session/index.js";
import { brokerMatrix, useBroker } from "./mosquitto.js";
import { BARCODES, SyncWorld, allSynced } from "./sync-harness.js";

function jpeg(size = 2048): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(size - 4)]);
}

describe.each(brokerMatrix())("sync fan-out on $name", ({ external }) => {
  const broker = useBroker(external);
  let w: SyncWorld;
  afterEach(async () => {
    await w.stop();
  });

  it("sends each store only its members, headshots by hash, and tombstones everywhere", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    w.publishDemoConfig("s02");
    w.addMember("m1");
    w.addMember("m2", { stores: ["s02"] });
    const k1 = await w.addKiosk("k1", "s01");
    const k2 = await w.addKiosk("k2", "s02");
    await w.ready(k1, ["m1"]);
    await w.ready(k2, ["m1", "m2"]);
    expect(k1.store.member("m2")).toBeUndefined();

    const photo = jpeg();
    const hash = w.hub.members.setHeadshot("m1", photo, "image/jpeg");
    await waitUntil(() => k1.store.photo(hash) !== undefined && k2.store.photo(hash) !== undefined, "headshot on both kiosks");
    expect(Buffer.from(k1.store.photo(hash)!.bytes).equals(Buffer.from(photo))).toBe(true);
    expect(k1.store.member("m1")?.headshotHash).toBe(hash);

    w.hub.members.deleteHeadshot("m1");
    await waitUntil(() => k1.store.photoCount() === 0 && k2.store.photoCount() === 0, "headshot deleted on every kiosk");
    expect(k1.store.member("m1")?.headshotHash).toBeUndefined();

    w.hub.members.update("m2", { stores: ["s01", "s02"] });
    await waitUntil(() => k1.store.member("m2") !== undefined, "m2 reaches store s01");
    w.hub.members.update("m2", { stores: ["s02"] });
    await waitUntil(() => k1.store.member("m2") === undefined, "m2 leaves store s01");
    expect(k2.store.member("m2")).toBeDefined();

    w.hub.members.delete("m1");
    await waitUntil(() => k1.store.member("m1") === undefined && k2.store.member("m1") === undefined, "m1 deleted everywhere");
  });

  it("gives a kiosk whose cursor fell behind the compaction horizon a fresh snapshot", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    w.addMember("m1");
    w.addMember("m2");
    const k1 = await w.addKiosk("k1", "s01");
    await w.ready(k1, ["m1", "m2"]);
    await k1.stop();
    w.kiosks.delete("k1");
    // While the kiosk is away: one member leaves, one arrives, and the hub compacts its changelog.
    w.hub.members.delete("m2");
    w.addMember("m3");
    const removed = w.hub.members.compact(w.hub.members.cursor("s01") + 1);
    expect(removed).toBeGreaterThan(0);
    const again = await w.startKiosk("k1");
    await waitUntil(() => again.store.member("m3") !== undefined && again.store.member("m2") === undefined, "snapshot replaced the cache");
    expect(again.store.memberCount()).toBe(2);
  });

  it("authorises stored value online with holds, offline within limits, and flags the overdraft on reconcile", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01", { offlineLimits: { balanceFenPerMemberPerDay: 4000, pointsPerMemberPerDay: 0 }, authorisationTimeoutMs: 500 });
    const m = w.addMember("m1", { balanceFen: 10_000 });
    const k1 = await w.addKiosk("k1", "s01");
    const k2 = await w.addKiosk("k2", "s01");
    await w.ready(k1, ["m1"]);
    await w.ready(k2, ["m1"]);

    // Online: rice at the Gold price (53.91) is held, then debited when the sale arrives.
    const online = await w.checkout(k1, m, [BARCODES.rice], "balance");
    expect(online.receipt.tenders).toEqual([{ method: "balance", label: "储值支付", amountFen: 5391 }]);
    await allSynced([k1]);
    await waitUntil(() => w.hub.members.get("m1")?.balanceFen === 4609, "hub debited the balance");
    // Another kiosk asks for more than is left: declined by the hub.
    await expect(w.checkout(k2, m, [BARCODES.rice], "balance")).rejects.toMatchObject({ code: "BALANCE_DECLINED" });
    k2.checkout.cancel();
    await waitUntil(() => k2.store.member("m1")?.balanceFen === 4609, "k2 sees the new balance");

    // The hub goes away: each kiosk approves on its own, up to 40 yuan per member per day.
    await w.hub.stop();
    const off1 = await w.checkout(k1, m, [BARCODES.milk, BARCODES.milk, BARCODES.milk], "balance");
    expect(off1.receipt.tenders[0]).toMatchObject({ method: "balance", amountFen: 3375, label: "储值支付(离线)" });
    const refused = await w.checkout(k1, m, [BARCODES.milk], "balance").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    expect((refused as CheckoutError).code).toBe("OFFLINE_LIMIT");
    k1.checkout.cancel();
    await w.checkout(k2, m, [BARCODES.milk, BARCODES.milk, BARCODES.milk], "balance");
    expect(w.sink.messages()).toContain("stored-value payment approved offline (hub unreachable)");

    // Back online: both sales are applied; together they overdraw the balance, which is flagged.
    await w.startHub();
    await allSynced([k1, k2]);
    await waitUntil(() => w.hub.members.get("m1")?.balanceFen === 4609 - 3375 - 3375, "hub applied both offline sales");
    const overdrafts = w.hub.ingest.overdrafts();
    expect(overdrafts).toHaveLength(1);
    expect(overdrafts[0]).toMatchObject({ memberId: "m1", kind: "balance", amount: 3375, balanceAfter: -2141, offline: true });
  });

  it("rolls a config out to a first wave, then to the rest, and stops a failing one", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    const v1 = w.publishDemoConfig("s01");
    const kiosks = [await w.addKiosk("k1", "s01"), await w.addKiosk("k2", "s01"), await w.addKiosk("k3", "s01")];
    for (const k of kiosks) await w.ready(k);
    expect(kiosks.map((k) => k.store.configVersion())).toEqual([v1, v1, v1]);

    const v2 = w.publishDemoConfig("s01", { storeName: "Renamed" }, { firstWave: { devices: ["k1"] } });
    await waitUntil(() => kiosks.every((k) => k.store.configVersion() === v2), "v2 everywhere");
    await waitUntil(() => w.hub.rollouts.list("s01")[0]?.state === "completed", "rollout completed");
    const done = w.hub.rollouts.list("s01")[0]!;
    expect(done).toMatchObject({ version: v2, state: "completed" });
    expect(done.targets.find((t) => t.deviceId === "k1")?.wave).toBe(1);

    // k1 cannot apply v3 (say, a receipt layout its printer does not support): the rollout stops there.
    kiosks[0]!.sync.onConfig((c) => {
      if (c.version === v2 + 1) throw new Error("receipt layout not supported");
    });
    const v3 = w.publishDemoConfig("s01", { storeName: "Again" }, { firstWave: { devices: ["k1"] } });
    await waitUntil(() => w.hub.rollouts.list("s01")[0]?.state === "stopped", "rollout stopped");
    const stopped = w.hub.rollouts.list("s01")[0]!;
    expect(stopped).toMatchObject({ version: v3, counts: { failed: 1, waiting: 2 } });
    expect(kiosks.map((k) => k.store.configVersion())).toEqual([v2, v2, v2]);
    expect(w.hub.devices.get("k1")).toMatchObject({ appliedConfigVersion: v2, configError: expect.stringContaining("receipt layout") });
  });
});
