// A light feeder for the ingest bench: sends each kiosk's recorded ledger batches to the hub as the kiosk would, without the kiosk's own work.
//
// The raw baseline publishes ready-made messages from small C clients (mosquitto_pub), so its figure
// is the broker's alone. The simulated kiosks of bench/kiosk-fleet.ts are whole kiosks: on each ack
// they read and encode their next batch, and each applies every member push the hub sends, which on
// this 2-core machine takes a core's share from the hub. This feeder takes the bytes each kiosk's
// OutboxSender would send (`store.pending` above the acknowledged mark, 500 entries to a batch,
// encoded by the same `encodeMessage`), recorded before the window, and replays them under the
// kiosk's own broker identity with the sender's rules: wait for the hub's presence, one batch in
// flight, the next when the ack covers it, from `resendFrom` when the hub asks, again after 5 s of
// silence. It subscribes only to the hub's presence and its acks, with a clean session (the stopped
// kiosk's subscriptions are dropped), so member pushes are not received. The hub sees the same
// messages on the same topics and applies them exactly as it would the kiosk's.
import mqtt, { type MqttClient } from "mqtt";
import type { KioskConfigInput } from "../device/config.js";
import type { Kiosk } from "../device/kiosk.js";
import { readSecretFile } from "../runtime/config-env.js";
import { AckSchema, HubPresenceSchema, decodeMessage, encodeMessage } from "../protocol/messages.js";
import { deviceTopic, hubPresenceTopic, type DeviceAddress } from "../protocol/topics.js";
import { DEFAULT_BATCH } from "../device/sync/outbox-sender.js";

const ACK_WAIT_MS = 5_000;

/** One kiosk's recorded feed: its broker identity and the batches its sender would send, in order. */
export interface RecordedBatches {
  config: KioskConfigInput;
  batches: Array<{ first: number; last: number; bytes: Buffer }>;
}

/** Records what each kiosk would send above its acknowledged mark; call while they send nothing (sync stopped, or the hub down) and stop them before replaying. */
export function recordBatches(kiosks: ReadonlyArray<{ kiosk: Kiosk; config: KioskConfigInput }>, batchSize = DEFAULT_BATCH): RecordedBatches[] {
  return kiosks.map(({ kiosk, config }) => {
    const batches: RecordedBatches["batches"] = [];
    for (let from = kiosk.store.ackedSeq() + 1; ; ) {
      const entries = kiosk.store.pending(from, batchSize);
      if (entries.length === 0) break;
      const last = entries.at(-1)!.seq;
      batches.push({ first: entries[0]!.seq, last, bytes: encodeMessage({ entries }) });
      from = last + 1;
    }
    return { config, batches };
  });
}

/** One kiosk's replay: resolves when the hub has acknowledged its last recorded entry. */
function replayOne(r: RecordedBatches, timeoutMs: number): { done: Promise<void>; client: MqttClient } {
  const c = r.config;
  const address: DeviceAddress = { chainId: c.chainId, storeId: c.storeId, deviceId: c.deviceId };
  const password = readSecretFile(c.hub.passwordFile, "device secret");
  const client = mqtt.connect(c.hub.url, { clientId: `kiosk-${c.deviceId}`, username: c.hub.username, password, clean: true, reconnectPeriod: 500 });
  const ackTopic = deviceTopic(address, "ack");
  const presenceTopic = hubPresenceTopic(c.chainId);
  const finalSeq = r.batches.at(-1)?.last ?? 0;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let hubOnline = false;
  const done = new Promise<void>((resolve, reject) => {
    if (finalSeq === 0) return resolve();
    const deadline = setTimeout(() => {
      clearTimeout(timer);
      reject(new Error(`replay ${c.deviceId}: not acknowledged within ${timeoutMs} ms`));
    }, timeoutMs);
    const send = (): void => {
      clearTimeout(timer);
      const b = r.batches[next];
      if (!b || !hubOnline) return;
      client.publish(deviceTopic(address, "ledger"), b.bytes, { qos: 1 });
      timer = setTimeout(send, ACK_WAIT_MS);
    };
    client.on("connect", () => {
      client.subscribe([presenceTopic, ackTopic], { qos: 1 });
    });
    client.on("message", (topic, payload) => {
      if (topic === presenceTopic) {
        if (payload.length === 0) return;
        const p = decodeMessage(HubPresenceSchema, payload);
        hubOnline = p.online;
        if (hubOnline) send();
        return;
      }
      if (topic !== ackTopic) return;
      const ack = decodeMessage(AckSchema, payload);
      if (ack.ackedSeq >= finalSeq) {
        clearTimeout(timer);
        clearTimeout(deadline);
        resolve();
        return;
      }
      if (ack.resendFrom !== undefined) {
        const i = r.batches.findIndex((b) => b.last >= ack.resendFrom!);
        if (i >= 0) next = i;
        send();
        return;
      }
      // An ack below the batch in flight (the hub's answer to a status) says nothing about that batch.
      const inFlight = r.batches[next];
      if (inFlight && ack.ackedSeq < inFlight.last) return;
      while (r.batches[next] && r.batches[next]!.last <= ack.ackedSeq) next++;
      send();
    });
  });
  return { done, client };
}

/** Replays every kiosk's recorded batches at once; resolves when the hub has acknowledged them all. */
export async function replayBatches(recorded: readonly RecordedBatches[], timeoutMs = 600_000): Promise<void> {
  const runs = recorded.map((r) => replayOne(r, timeoutMs));
  try {
    await Promise.all(runs.map((x) => x.done));
  } finally {
    await Promise.all(runs.map((x) => x.client.endAsync()));
  }
}
