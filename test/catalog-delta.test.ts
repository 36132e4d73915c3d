// End to end over real MQTT: one price change through PATCH /bo/config/catalog/items/:sku reaches the kiosks as a signed delta (no new bundle); a sale at the new catalog version and one sold just before it (old version, ingested after the change) are each re-priced by the hub with the version that priced them.
import { describe, it, expect, afterEach } from "vitest";
import { waitUntil } from "../scripts/demo-env.js";
import { priceSale } from "../protocol/sale-pricing.js";
import type { SaleFact } from "../protocol/messages.js";
import type { Kiosk } from "../device/kiosk.js";
import { brokerMatrix, useBroker } from "./mosquitto.js";
import { BARCODES, SyncWorld, allSynced, type TestMember } from "./sync-harness.js";

describe.each(brokerMatrix())("catalog deltas on $name", ({ external }) => {
  const broker = useBroker(external);
  let w: SyncWorld;
  afterEach(async () => {
    await w.stop();
  });

  const call = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const bo = w.hub.backoffice;
    const token = bo.deps.db.transaction(() => {
      if (!bo.deps.users.get("hq")) bo.deps.users.createInTx({ userId: "hq", name: "HQ", role: "hq-admin" });
      return bo.deps.users.issueTokenInTx("hq", "e2e").token;
    });
    const res = await bo.app.request(path, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The hub's own figures for a sale, and the kiosk's. */
  const hubSale = (saleId: string) =>
    w.hub.backoffice.deps.db.prepare("SELECT total_fen, subtotal_fen FROM sales WHERE sale_id = ?").get<{ total_fen: number; subtotal_fen: number }>(saleId);
  const disagreements = (): number => Number(w.hub.backoffice.deps.db.prepare("SELECT COUNT(*) AS n FROM disagreements").get<{ n: number }>()!.n);
  const factOf = (k: Kiosk, saleId: string): SaleFact => k.store.entries().find((e) => e.fact.type === "sale" && e.fact.saleId === saleId)!.fact as SaleFact;
  const riceFen = (k: Kiosk): number => k.sync.current!.rules.catalog.find((p) => p.sku === "rice-5kg")!.priceFen;
  const sell = async (k: Kiosk, m: TestMember) => (await w.checkout(k, m, [BARCODES.rice])).saleId;

  it("one price change reaches the kiosks as a delta; each sale is re-priced with the catalog version that priced it", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    const m1 = w.addMember("m1");
    const k1 = await w.addKiosk("k1", "s01");
    const k2 = await w.addKiosk("k2", "s01");
    for (const k of [k1, k2]) {
      await w.ready(k, ["m1"]);
      await waitUntil(() => k.sync.catalog.version === 1, "kiosk holds catalog version 1");
    }
    // A publish that leaves the catalog as it is: no new catalog version, and the kiosks (they report
    // the catalog version they hold) get the bundle without its catalog.
    const bundleVersion = w.publishDemoConfig("s01", { storeName: "renamed" });
    for (const k of [k1, k2]) await waitUntil(() => k.store.configVersion() === bundleVersion, "kiosk applies the new bundle");
    expect(w.hub.configs.catalogs.latestVersion("s01")).toBe(1);
    expect(k1.sync.catalog.version).toBe(1);
    const applied = JSON.parse(k1.store.appliedEnvelope()!.payload) as { rules: { catalog: unknown[] }; catalogVersion?: number };
    expect(applied.rules.catalog).toEqual([]);
    expect(applied.catalogVersion).toBe(1);
    const oldPrice = riceFen(k1);

    // Sale A on k2 at catalog version 1, while the hub is away; k2 is off when the price changes.
    await w.hub.stop();
    const saleA = await sell(k2, m1);
    expect(factOf(k2, saleA).catalogVersion).toBe(1);
    await k2.stop();
    w.kiosks.delete("k2");

    await w.startHub();
    await waitUntil(() => k1.sync.hub().presence === "online", "k1 sees the hub again");
    const changed = await call("/config/catalog/items/rice-5kg", { priceFen: oldPrice - 1000 });
    expect(changed.status).toBe(200);
    expect(changed.body.stores).toEqual([{ storeId: "s01", catalogVersion: 2 }]);
    await waitUntil(() => k1.sync.catalog.version === 2, "k1 applies catalog version 2");
    expect(riceFen(k1)).toBe(oldPrice - 1000);
    // No new bundle: the price change is not a config version.
    expect(w.hub.configs.latest("s01")!.version).toBe(bundleVersion);
    expect(k1.store.configVersion()).toBe(bundleVersion);

    // Sale B on k1 at version 2.
    const saleB = await sell(k1, m1);
    expect(factOf(k1, saleB).catalogVersion).toBe(2);
    // k2 comes back: its sale A (version 1) reaches the hub after the change, then it takes the delta.
    const k2again = await w.startKiosk("k2");
    await allSynced([k1, k2again]);
    await waitUntil(() => hubSale(saleA) !== undefined && hubSale(saleB) !== undefined, "both sales at the hub");
    await waitUntil(() => k2again.sync.catalog.version === 2, "k2 catches up to version 2");

    const member = w.hub.members.get("m1")!;
    const at = Date.now();
    const priced = (catalogVersion: number) =>
      priceSale(w.hub.configs.forFact("s01", bundleVersion, catalogVersion)!.content, member, [{ sku: "rice-5kg", qty: 1 }], at).totals;
    expect(priced(1).subtotalFen).toBe(oldPrice);
    expect(priced(2).subtotalFen).toBe(oldPrice - 1000);
    expect(hubSale(saleA)!.subtotal_fen).toBe(priced(1).subtotalFen);
    expect(hubSale(saleA)!.total_fen).toBe(priced(1).totalFen);
    expect(hubSale(saleB)!.subtotal_fen).toBe(priced(2).subtotalFen);
    expect(hubSale(saleB)!.total_fen).toBe(priced(2).totalFen);
    // The kiosks' figures and the hub's agree on both.
    expect(disagreements()).toBe(0);
  });
});
