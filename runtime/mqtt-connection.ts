// The MQTT connection as the kiosk's sync and the hub's link use it, injectable (tests pass an in-memory one).
import type { MqttClient } from "mqtt";
import { connectWithBackoff, endClient, within, type ConnectOptions } from "./mqtt-connect.js";

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

/** The few things sync needs from a connection; mqtt.js's client is adapted by connectMqtt. */
export interface MqttConnection {
  readonly connected: boolean;
  /** Fire and forget (QoS 1 still retried by the client while the connection lasts). */
  publish(topic: string, payload: string | Buffer, opts?: PublishOptions): void;
  /** Resolves once the broker accepted the publish, or after `ms` at most. */
  publishWithin(ms: number, topic: string, payload: string | Buffer, opts?: PublishOptions): Promise<void>;
  subscribe(filters: readonly string[]): Promise<void>;
  /** `retained`: a copy the broker stored before this subscription (not news). */
  onMessage(fn: (topic: string, payload: Buffer, retained: boolean) => void): void;
  onConnect(fn: () => void): void;
  onClose(fn: () => void): void;
  /** Drops every message listener: nothing reaches the handlers after this. */
  detachMessages(): void;
  /** Ends politely, for at most a short grace, then by force. */
  end(): Promise<void>;
  /** Drops the connection without a goodbye (the broker sends the last will): crash tests. */
  destroy(): Promise<void>;
}

export type ConnectMqtt = (opts: ConnectOptions) => MqttConnection;

/** Adapts an mqtt.js client. */
export function fromMqttClient(client: MqttClient): MqttConnection {
  return {
    get connected() {
      return client.connected;
    },
    publish: (topic, payload, opts) => {
      client.publish(topic, payload, { qos: opts?.qos ?? 1, retain: opts?.retain ?? false });
    },
    publishWithin: async (ms, topic, payload, opts) => {
      const p = client.publishAsync(topic, payload, { qos: opts?.qos ?? 1, retain: opts?.retain ?? false });
      await within(
        ms,
        p.then(() => undefined).catch(() => undefined),
      );
    },
    subscribe: async (filters) => {
      await client.subscribeAsync([...filters], { qos: 1 });
    },
    onMessage: (fn) => {
      client.on("message", (topic, payload, packet) => fn(topic, payload, packet.retain));
    },
    onConnect: (fn) => {
      client.on("connect", () => fn());
    },
    onClose: (fn) => {
      client.on("close", () => fn());
    },
    detachMessages: () => {
      client.removeAllListeners("message");
    },
    end: () => endClient(client),
    destroy: async () => {
      client.stream.destroy();
      await client.endAsync(true);
    },
  };
}

/** The real thing: mqtt.js with jittered reconnect backoff (runtime/mqtt-connect.ts). */
export const connectMqtt: ConnectMqtt = (opts) => fromMqttClient(connectWithBackoff(opts));
