// What the sync parts share: a way to publish on this kiosk's own topics while connected.
import type { DeviceChannel } from "../../protocol/topics.js";

export interface SyncLink {
  /** Connected to the broker (says nothing about the hub: see HubPresence). */
  readonly connected: boolean;
  /** Publishes on this kiosk's own topic for `channel`; false (nothing sent) while not connected. */
  send(channel: DeviceChannel, body: unknown, opts?: { retain?: boolean }): boolean;
}
