// What the hub's MQTT link says on the catalog channels: the answer to a kiosk's pull, the push of a new version, and which kiosks follow catalog deltas.
import { decodeMessage, encodeMessage } from "../protocol/messages.js";
import { CatalogRequestSchema } from "../protocol/catalog-delta.js";
import type { CatalogLog } from "./catalog-log.js";

/** A kiosk follows catalog deltas when its last status says which catalog version it holds (older kiosks leave it out and get whole bundles). */
export function followsCatalog(lastStatus: unknown): boolean {
  return typeof (lastStatus as { catalogVersion?: unknown } | null | undefined)?.catalogVersion === "number";
}

/** The bytes answering a pull: `{kind: "up-to-date", version}` or the signed delta / snapshot from the kiosk's version. */
export function catalogAnswer(catalogs: CatalogLog, storeId: string, payload: Buffer): Buffer {
  const req = decodeMessage(CatalogRequestSchema, payload);
  const a = catalogs.answer(storeId, req.version);
  return a.kind === "up-to-date" ? encodeMessage(a) : encodedEnvelope(a.envelope);
}

/** The bytes of the push for a new version: the delta from the version before it (a snapshot when it does not fit). */
export function catalogPush(catalogs: CatalogLog, storeId: string, version: number): Buffer {
  return encodedEnvelope(catalogs.signedMessage(storeId, Math.max(0, version - 1), version).envelope);
}

/** Each signed message encoded once (a snapshot of 50,000 items is about 6 MB; CatalogLog caches the envelope objects). */
const bytes = new WeakMap<object, Buffer>();
function encodedEnvelope(envelope: object): Buffer {
  let b = bytes.get(envelope);
  if (!b) {
    b = encodeMessage(envelope);
    bytes.set(envelope, b);
  }
  return b;
}
