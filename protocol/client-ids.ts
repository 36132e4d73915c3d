// MQTT client ids: a kiosk's is bound to its device id (`kiosk-<id>`) on every broker, so one kiosk's credentials cannot take over another's session.
//
// The embedded broker and the EMQX hook refuse any other id for a kiosk's login; the generated
// Mosquitto config replaces the id with the username (`use_username_as_clientid`). Device ids are
// topic segments (no '/'), so `kiosk-<id>/<suffix>` (tools, tests) can never be another kiosk's id.
export const KIOSK_CLIENT_PREFIX = "kiosk-";

/** The MQTT client id a kiosk connects with (device/sync.ts). */
export function kioskClientId(deviceId: string): string {
  return `${KIOSK_CLIENT_PREFIX}${deviceId}`;
}

/** A kiosk's own client id, or one under it (`kiosk-<id>/probe`). */
export function mayUseClientId(deviceId: string, clientId: string): boolean {
  const own = kioskClientId(deviceId);
  return clientId === own || (clientId.startsWith(`${own}/`) && clientId.length <= 128);
}
