// Builds, signs (Ed25519) and stores versioned config bundles per store; the MQTT link publishes them retained.
import type { Database } from "../storage/sqlite.js";
import type { Clock } from "../protocol/clock.js";
import { signEnvelope, type KeyPair, type SignedEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, type ConfigContent } from "../protocol/messages.js";
import { HubError } from "./errors.js";

export interface SigningIdentity {
  keyId: string;
  keys: KeyPair;
}

export interface PublishedConfig {
  storeId: string;
  version: number;
  envelope: SignedEnvelope;
  content: ConfigContent;
}

export class ConfigService {
  /** Called after a new bundle is stored; the MQTT link publishes it retained. */
  onPublished: ((config: PublishedConfig) => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly chainId: string,
    private readonly signer: SigningIdentity,
  ) {}

  /** Validates `draft`, gives it the next version for the store, signs and stores it. */
  publish(storeId: string, draft: Pick<ConfigContent, "rules" | "device"> | Record<string, unknown>): PublishedConfig {
    const published = this.db.transaction(() => {
      const version =
        (this.db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM configs WHERE store_id = ?").get<{ v: number }>(storeId)?.v ?? 0) + 1;
      const parsed = ConfigContentSchema.safeParse({
        ...draft,
        version,
        chainId: this.chainId,
        storeId,
        issuedAt: this.clock.now(),
      });
      if (!parsed.success) {
        throw new HubError("INVALID_INPUT", `config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      }
      const envelope = signEnvelope(this.signer.keys, this.signer.keyId, parsed.data);
      this.db
        .prepare("INSERT INTO configs (store_id, version, envelope, content, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(storeId, version, JSON.stringify(envelope), envelope.payload, this.clock.now());
      return { storeId, version, envelope, content: parsed.data };
    });
    this.onPublished?.(published);
    return published;
  }

  /** A stored bundle by version (the hub re-evaluates each sale with the version the kiosk used). */
  get(storeId: string, version: number): PublishedConfig | undefined {
    const row = this.db
      .prepare("SELECT envelope, content FROM configs WHERE store_id = ? AND version = ?")
      .get<{ envelope: string; content: string }>(storeId, version);
    if (!row) return undefined;
    return {
      storeId,
      version,
      envelope: JSON.parse(row.envelope) as SignedEnvelope,
      content: ConfigContentSchema.parse(JSON.parse(row.content)),
    };
  }

  latest(storeId: string): PublishedConfig | undefined {
    const v = this.db.prepare("SELECT MAX(version) AS v FROM configs WHERE store_id = ?").get<{ v: number | null }>(storeId)?.v;
    return v ? this.get(storeId, v) : undefined;
  }

  stores(): string[] {
    return this.db.prepare("SELECT DISTINCT store_id FROM configs ORDER BY store_id").all<{ store_id: string }>().map((r) => r.store_id);
  }

  get publicKeys(): Record<string, string> {
    return { [this.signer.keyId]: this.signer.keys.publicKey };
  }
}
