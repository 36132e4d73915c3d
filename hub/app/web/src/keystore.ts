// The card key and the card on this phone: Ed25519 made in the browser (WebCrypto, non-extractable) or with @noble/ed25519 where WebCrypto lacks it, kept in IndexedDB.
import * as noble from "@noble/ed25519";
import { toBase64Url } from "../../../../protocol/member-proof.js";

export interface StoredCard {
  memberId: string;
  cardId: string;
  name: string;
  publicKey: string;
  /** A non-extractable WebCrypto key, or the raw seed when the fallback library made it. */
  privateKey: CryptoKey | Uint8Array;
  extractable: boolean;
  /** hub time minus phone time, learned from the hub's answers. */
  clockOffsetMs: number;
  /** The last member-centre summary, shown when offline. */
  summary?: unknown;
}

export interface CardKey {
  publicKey: string;
  privateKey: CryptoKey | Uint8Array;
  extractable: boolean;
}

const DB = "member-app";
const STORE = "card";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

export const loadCard = (): Promise<StoredCard | undefined> => tx("readonly", (s) => s.get("current") as IDBRequest<StoredCard | undefined>);
export const saveCard = async (card: StoredCard): Promise<void> => {
  await tx("readwrite", (s) => s.put(card, "current"));
};
export const forgetCard = async (): Promise<void> => {
  await tx("readwrite", (s) => s.delete("current"));
};

/** Makes a new card key: WebCrypto Ed25519 (private half never leaves the browser), else the library (extractable). */
export async function makeKey(): Promise<CardKey> {
  try {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    return { publicKey: toBase64Url(raw), privateKey: pair.privateKey, extractable: false };
  } catch {
    const seed = noble.utils.randomSecretKey();
    const pub = await noble.getPublicKeyAsync(seed);
    return { publicKey: toBase64Url(pub), privateKey: seed, extractable: true };
  }
}

const encoder = new TextEncoder();

/** Signs UTF-8 text with the card key; the 64-byte signature in canonical base64url. */
export async function sign(key: CryptoKey | Uint8Array, text: string): Promise<string> {
  const data = encoder.encode(text);
  if (key instanceof Uint8Array) return toBase64Url(await noble.signAsync(data, key));
  return toBase64Url(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, data as Uint8Array<ArrayBuffer>)));
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}
