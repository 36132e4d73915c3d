// A stolen kiosk over real MQTT: its own credentials publish crafted ledger batches and auth requests; the hub applies none of its money, points or scope claims (#13 High 1, 2, 5, Medium 9).
import { describe, it, expect, afterEach, beforeEach } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic, type DeviceAddress } from "../protocol/topics.js";
import { AckSchema, AuthResponseSchema, MembersPageSchema, type Ack, type Fact, type LedgerEntry, type SaleFact } from "../protocol/messages.js";
import { waitUntil } from "../scripts/demo-env.js";
import { brokerMatrix, useBroker } from "./mosquitto.js";
import { CHAIN, SyncWorld } from "./sync-harness.js";

/** The first value `get` gives within 10 s. */
async function waitFor<T>(get: () => T | undefined, what: string): Promise<T> {
  let out: T | undefined;
  await waitUntil(
    () => {
      out = get();
      return out !== undefined;
    },
    what,
    10_000,
  );
  if (out === undefined) throw new Error(`no ${what}`);
  return out;
}

/** A raw MQTT client holding one kiosk's credentials, as an attacker with a stolen kiosk would. */
class StolenKiosk {
  private seq = 0;
  readonly received: Array<{ topic: string; body: unknown }> = [];
  constructor(
    readonly client: MqttClient,
    readonly address: DeviceAddress,
    private readonly configVersion: number,
  ) {
    client.on("message", (topic, payload) => this.received.push({ topic, body: JSON.parse(payload.toString()) as unknown }));
  }

  static async connect(w: SyncWorld, deviceId: string, storeId: string, configVersion: number): Promise<StolenKiosk> {
    const creds = w.hub.devices.provision({ chainId: CHAIN, storeId, deviceId });
    const client = await mqtt.connectAsync(w.hub.brokerUrl, {
      clientId: `kiosk-${deviceId}`,
      username: deviceId,
      password: creds.password,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const address = { chainId: CHAIN, storeId, deviceId };
    await client.subscribeAsync([deviceTopic(address, "ack"), deviceTopic(address, "auth/res"), deviceTopic(address, "members/res")], { qos: 1 });
    return new StolenKiosk(client, address, configVersion);
  }

  private last<T>(channel: "ack" | "auth/res" | "members/res", parse: (b: unknown) => T, match: (v: T) => boolean): T | undefined {
    const topic = deviceTopic(this.address, channel);
    for (let i = this.received.length - 1; i >= 0; i--) {
      const r = this.received[i]!;
      if (r.topic !== topic) continue;
      const v = parse(r.body);
      if (match(v)) return v;
    }
    return undefined;
  }

  /** Publishes the facts as the next entries of this kiosk's ledger and waits for the hub's ack past them. */
  async publish(...facts: Fact[]): Promise<Ack> {
    const entries: LedgerEntry[] = facts.map((fact) => {
      this.seq++;
      return { seq: this.seq, entryId: `${this.address.deviceId}-${this.seq}`, at: Date.now(), configVersion: this.configVersion, fact };
    });
    const upTo = this.seq;
    await this.client.publishAsync(deviceTopic(this.address, "ledger"), JSON.stringify({ entries }), { qos: 1 });
    return waitFor(
      () =>
        this.last(
          "ack",
          (b) => AckSchema.parse(b),
          (a) => a.ackedSeq >= upTo,
        ),
      `ack of seq ${upTo}`,
    );
  }

  async request<T>(
    channel: "auth/req" | "members/req",
    body: unknown,
    reply: "auth/res" | "members/res",
    parse: (b: unknown) => T,
    match: (v: T) => boolean,
  ): Promise<T> {
    await this.client.publishAsync(deviceTopic(this.address, channel), JSON.stringify(body), { qos: 1 });
    return waitFor(() => this.last(reply, parse, match), reply);
  }
}

// Rice x2 at the Gold price: 107.82 yuan.
const sale = (saleId: string, memberId: string, over: Partial<SaleFact> = {}): SaleFact => ({
  type: "sale",
  saleId,
  memberId,
  cardId: `C${memberId}`,
  lines: [{ sku: "rice-5kg", qty: 2 }],
  hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
  tenders: [{ kind: "external", amountFen: 10782 }],
  offlineApproved: false,
  ...over,
});
const returnAll = (saleId: string, memberId: string): Fact => ({
  type: "return",
  returnId: `r-${saleId}`,
  saleId,
  memberId,
  cardId: `C${memberId}`,
  staffId: "s1",
  lines: [{ index: 0, qty: 2 }],
  hints: { refundFen: 10782, principalFen: 10782, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 1 },
  couponsRestored: [],
});

describe.each(brokerMatrix())("a stolen kiosk's ledger on $name", ({ external }) => {
  const broker = useBroker(external);
  let w: SyncWorld;
  let k: StolenKiosk;
  beforeEach(async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    const version = w.publishDemoConfig("s01");
    w.publishDemoConfig("s02");
    w.addMember("victim", { balanceFen: 50_000 });
    w.addMember("other", { balanceFen: 50_000, stores: ["s02"] });
    k = await StolenKiosk.connect(w, "k-stolen", "s01", version);
  });
  afterEach(async () => {
    await k.client.endAsync(true);
    await w.stop();
  });
  const member = (id: string) => w.hub.members.get(id)!;

  it("cannot mint stored value with a balanceSplit and its return (High 1)", async () => {
    for (let round = 0; round < 3; round++) {
      const ack = await k.publish(
        sale(`mint-${round}`, "victim", { balanceSplit: { principalFen: 10782, bonusFen: 0 } }),
        returnAll(`mint-${round}`, "victim"),
      );
      expect(ack.rejected).toBeUndefined();
    }
    expect(member("victim")).toMatchObject({ balanceFen: 50_000, bonusBalanceFen: 0 });
  });

  it("cannot debit 10^15 fen or 10^12 points, nor touch another store's member; the ack still moves (High 2)", async () => {
    const ack = await k.publish(
      sale("huge", "victim", { tenders: [{ kind: "balance", amountFen: 1e15 }] }),
      sale("points", "victim", { pointsRedeemed: 1e12 }),
      sale("foreign", "other", { tenders: [{ kind: "balance", amountFen: 10782 }] }),
      sale("over", "victim", {
        tenders: [{ kind: "balance", amountFen: 40_000 }],
        authorization: { requestId: "over", mode: "offline" },
        offlineApproved: true,
      }),
    );
    expect(ack.ackedSeq).toBe(4);
    expect(ack.rejected?.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(member("other").balanceFen).toBe(50_000);
    // The last one paid 107.82 at most, whatever the kiosk claimed.
    expect(member("victim")).toMatchObject({ balanceFen: 50_000 - 10782, pointsBalance: 1 });
  });

  it("cannot push a balance out of range, so member pages still parse at every kiosk (High 5, hub side)", async () => {
    for (let i = 0; i < 5; i++)
      await k.publish(
        sale(`flood-${i}`, "victim", { tenders: [{ kind: "balance", amountFen: Number.MAX_SAFE_INTEGER }], pointsRedeemed: Number.MAX_SAFE_INTEGER }),
      );
    const page = await k.request(
      "members/req",
      { cursor: 0, limit: 100 },
      "members/res",
      (b) => MembersPageSchema.parse(b),
      () => true,
    );
    const victim = page.changes.find((c) => c.kind === "upsert" && c.member.memberId === "victim");
    expect(victim?.kind === "upsert" && victim.member.balanceFen).toBe(50_000);
  });

  it("learns nothing about and holds nothing for another store's member over auth/req (Medium 9)", async () => {
    const res = await k.request(
      "auth/req",
      { requestId: "probe", memberId: "other", balanceFen: 1, points: 0 },
      "auth/res",
      (b) => AuthResponseSchema.parse(b),
      (r) => r.requestId === "probe",
    );
    expect(res).toMatchObject({ approved: false, reason: "unknown-member", availableBalanceFen: 0, availablePoints: 0 });
    const own = await k.request(
      "auth/req",
      { requestId: "mine", memberId: "victim", balanceFen: 100, points: 0 },
      "auth/res",
      (b) => AuthResponseSchema.parse(b),
      (r) => r.requestId === "mine",
    );
    expect(own).toMatchObject({ approved: true, availableBalanceFen: 50_000 - 100 });
  });
});
