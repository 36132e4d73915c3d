// Calls to the hub from the app: each request signed with the card key (MemberProof over method, path, body hash, time, nonce, audience "hub").
import { ACTIVATION_CARD, HUB_AUDIENCE, formatProof, memberCodeText, proofMessage, toBase64Url } from "../../../../protocol/member-proof.js";
import { sha256, sign } from "./keystore.js";

export interface ApiError {
  status: number;
  error: string;
  reason?: string;
  message: string;
}

export class HubCallError extends Error {
  constructor(readonly info: ApiError) {
    super(info.message);
  }
}

export interface Signer {
  cardId: string;
  key: CryptoKey | Uint8Array;
  /** hub time minus phone time. */
  offsetMs: number;
}

const encoder = new TextEncoder();

export function hubNow(offsetMs: number): number {
  return Date.now() + offsetMs;
}

/** A live code for the kiosk, in the canonical format it verifies. */
export async function liveCode(s: Signer, atMs = hubNow(s.offsetMs)): Promise<string> {
  const text = memberCodeText(s.cardId, atMs);
  return `${text}.${await sign(s.key, text)}`;
}

async function proofHeader(s: Signer, method: string, path: string, body: Uint8Array): Promise<string> {
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const parts = { audience: HUB_AUDIENCE, cardId: s.cardId, issuedAtSec: Math.floor(hubNow(s.offsetMs) / 1000), nonce };
  const signature = await sign(s.key, proofMessage(parts, { method, path, bodySha256: await sha256(body) }));
  return `MemberProof ${formatProof({ ...parts, signature })}`;
}

/** Learns the hub's clock from an answer's serverTime (half the round trip added). */
export function offsetFrom(serverTime: unknown, sentAt: number, now = Date.now()): number | undefined {
  return typeof serverTime === "number" ? Math.round(serverTime - (sentAt + now) / 2) : undefined;
}

export interface CallOptions {
  body?: unknown;
  raw?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** How long one hub call may take before the app gives up and says so. */
export const CALL_TIMEOUT_MS = 15_000;

/** One hub call; signed when `signer` is given. Throws HubCallError with the hub's error code and reason. */
export async function call<T>(method: string, path: string, signer: Signer | undefined, o: CallOptions = {}): Promise<T> {
  const bytes = o.raw ?? (o.body === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(o.body)));
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.raw || o.body !== undefined) headers["content-type"] = o.contentType ?? "application/json";
  if (signer) headers.authorization = await proofHeader(signer, method, path, bytes);
  // A hub that never answers must end in a refusal the member can read, not a screen that waits forever.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CALL_TIMEOUT_MS);
  let res: Response;
  let text: string;
  try {
    res = await fetch(path, {
      method,
      headers,
      ...(bytes.length > 0 ? { body: bytes as Uint8Array<ArrayBuffer> } : {}),
      cache: "no-store",
      credentials: "omit",
      signal: abort.signal,
    });
    text = await res.text();
  } catch {
    if (abort.signal.aborted) throw new HubCallError({ status: 0, error: "TIMEOUT", message: `no answer from the hub in ${CALL_TIMEOUT_MS / 1000} s` });
    throw new HubCallError({ status: 0, error: "OFFLINE", message: "network unreachable" });
  } finally {
    clearTimeout(timer);
  }
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  if (!res.ok)
    throw new HubCallError({
      status: res.status,
      error: String(json.error ?? "HTTP"),
      ...(json.reason ? { reason: String(json.reason) } : {}),
      message: String(json.message ?? res.statusText),
    });
  return json as T;
}

/** Redeems an activation token: the new key signs the request (proof of possession). */
export async function redeemActivation(
  token: string,
  publicKey: string,
  key: CryptoKey | Uint8Array,
): Promise<{ memberId: string; cardId: string; name: string; serverTime: number }> {
  return call("POST", "/bo/app/activate", { cardId: ACTIVATION_CARD, key, offsetMs: 0 }, { body: { token, publicKey } });
}

/** The hub's clock from a Date header (second resolution), before the app has a card; 0 when unreachable. */
export async function probeOffset(): Promise<number> {
  try {
    const sentAt = Date.now();
    const res = await fetch("/app/index.html", { method: "HEAD", cache: "no-store" });
    const date = Date.parse(res.headers.get("date") ?? "");
    return Number.isFinite(date) ? Math.round(date + 500 - (sentAt + Date.now()) / 2) : 0;
  } catch {
    return 0;
  }
}
