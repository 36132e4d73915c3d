// MQTT topic layout for chain / store / device, and the per-device permissions derived from it.
//
//   mk/v1/<chain>/<store>/members                 hub -> kiosks  member changelog pushes (this store's members)
//   mk/v1/<chain>/<store>/catalog                 hub -> kiosks  signed catalog deltas (protocol/catalog-delta.ts)
//   mk/v1/<chain>/<store>/<device>/config         hub -> kiosk   signed config bundle (retained; per device for staged rollouts)
//   mk/v1/<chain>/<store>/<device>/ledger         kiosk -> hub   ledger batches
//   mk/v1/<chain>/<store>/<device>/ack            hub -> kiosk   high-water mark acks, resend requests
//   mk/v1/<chain>/<store>/<device>/status         kiosk -> hub   presence (retained, last will)
//   mk/v1/<chain>/<store>/<device>/members/req    kiosk -> hub   changelog pull from a cursor
//   mk/v1/<chain>/<store>/<device>/members/res    hub -> kiosk   changelog page
//   mk/v1/<chain>/<store>/<device>/config/report  kiosk -> hub   applied / ignored / failed config version
//   mk/v1/<chain>/<store>/<device>/auth/req       kiosk -> hub   stored-value / points authorisation request
//   mk/v1/<chain>/<store>/<device>/auth/res       hub -> kiosk   its answer
//   mk/v1/<chain>/<store>/<device>/photos/req     kiosk -> hub   headshot by content hash
//   mk/v1/<chain>/<store>/<device>/photos/res     hub -> kiosk   the headshot bytes
//   mk/v1/<chain>/<store>/<device>/commands       hub -> kiosk   a signed remote command (protocol/commands.ts)
//   mk/v1/<chain>/<store>/<device>/commands/result kiosk -> hub  the kiosk's answer to it
//   mk/v1/<chain>/<store>/<device>/catalog/req    kiosk -> hub   catalog pull from the version it holds
//   mk/v1/<chain>/<store>/<device>/catalog/res    hub -> kiosk   the signed delta or snapshot (or up-to-date)
//   mk/v1/<chain>/hub/presence                    hub -> kiosks  the hub's presence (retained; last will: offline)
import { ProtocolError } from "./errors.js";

export const TOPIC_ROOT = "mk/v1";
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export interface StoreAddress {
  chainId: string;
  storeId: string;
}
export interface DeviceAddress extends StoreAddress {
  deviceId: string;
}

export type DeviceChannel =
  | "config"
  | "ledger"
  | "ack"
  | "status"
  | "members/req"
  | "members/res"
  | "config/report"
  | "auth/req"
  | "auth/res"
  | "photos/req"
  | "photos/res"
  | "commands"
  | "commands/result"
  | "catalog/req"
  | "catalog/res";
/** Channels a kiosk publishes on (its own device topics only). */
export const KIOSK_PUBLISHES: readonly DeviceChannel[] = [
  "ledger",
  "status",
  "members/req",
  "config/report",
  "auth/req",
  "photos/req",
  "commands/result",
  "catalog/req",
];
/** Channels the hub publishes on, per device. */
export const HUB_PUBLISHES: readonly DeviceChannel[] = ["config", "ack", "members/res", "auth/res", "photos/res", "commands", "catalog/res"];

export function isValidSegment(s: string): boolean {
  return SEGMENT.test(s);
}

function check(...segments: string[]): void {
  for (const s of segments) {
    if (!isValidSegment(s)) throw new ProtocolError("TOPIC_INVALID", `invalid topic segment ${JSON.stringify(s)}`);
  }
}

export function storeTopic(a: StoreAddress, channel: "members" | "catalog"): string {
  check(a.chainId, a.storeId);
  return `${TOPIC_ROOT}/${a.chainId}/${a.storeId}/${channel}`;
}

export function deviceTopic(a: DeviceAddress, channel: DeviceChannel): string {
  check(a.chainId, a.storeId, a.deviceId);
  return `${TOPIC_ROOT}/${a.chainId}/${a.storeId}/${a.deviceId}/${channel}`;
}

/**
 * The hub's presence for the whole chain: retained `online` (with its instance and boot time) once
 * it has subscribed, `offline` as its last will and on a clean stop. Kiosks read it to tell a live
 * hub from a live broker, and resend from their acknowledged mark the moment a hub comes (back).
 */
export function hubPresenceTopic(chainId: string): string {
  check(chainId);
  return `${TOPIC_ROOT}/${chainId}/hub/presence`;
}

/** The hub's subscription for one kiosk channel across all stores (optionally as a shared subscription). */
export function allDevicesFilter(chainId: string, channel: DeviceChannel, shareGroup?: string): string {
  check(chainId);
  const filter = `${TOPIC_ROOT}/${chainId}/+/+/${channel}`;
  return shareGroup ? `$share/${shareGroup}/${filter}` : filter;
}

export interface ParsedDeviceTopic extends DeviceAddress {
  channel: DeviceChannel;
}

const CHANNELS: readonly DeviceChannel[] = [...KIOSK_PUBLISHES, ...HUB_PUBLISHES];

/** Parses a per-device topic; undefined for anything else. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | undefined {
  const parts = topic.split("/");
  if (parts.length < 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [chainId, storeId, deviceId] = [parts[2]!, parts[3]!, parts[4]!];
  const channel = parts.slice(5).join("/") as DeviceChannel;
  if (!CHANNELS.includes(channel)) return undefined;
  if (![chainId, storeId, deviceId].every(isValidSegment)) return undefined;
  return { chainId, storeId, deviceId, channel };
}

/** What a kiosk may do: publish only its own upstream channels, read its store's broadcasts and its own downstream. */
export function kioskMayPublish(a: DeviceAddress, topic: string): boolean {
  return KIOSK_PUBLISHES.some((c) => deviceTopic(a, c) === topic);
}

export function kioskMaySubscribe(a: DeviceAddress, filter: string): boolean {
  const allowed = [
    hubPresenceTopic(a.chainId),
    storeTopic(a, "members"),
    storeTopic(a, "catalog"),
    ...HUB_PUBLISHES.map((c) => deviceTopic(a, c)),
    `${TOPIC_ROOT}/${a.chainId}/${a.storeId}/${a.deviceId}/#`,
  ];
  return allowed.includes(filter);
}
