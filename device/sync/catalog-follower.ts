// Follows the store's catalog changelog: verifies each signed delta or snapshot, applies it in one transaction, heals gaps by pulling, and assembles the config the kiosk prices with.
//
// A delta applies only on top of exactly the version held and only when the result hashes to the
// hub's catalogHash; otherwise nothing is written: a gap (or a lost push) pulls from the version
// held, a result that does not match pulls a snapshot. The pricing config (bundle + catalog) is
// swapped only after the commit, so a sale is always priced by one whole catalog version, and a
// kiosk restarting mid-apply finds the version before (the transaction never committed) or after.
import { z } from "zod";
import type { Logger } from "../../runtime/log.js";
import type { DeviceAddress } from "../../protocol/topics.js";
import type { ConfigContent } from "../../protocol/messages.js";
import { decodeMessage } from "../../protocol/messages.js";
import { openEnvelope, SignedEnvelopeSchema } from "../../protocol/signing.js";
import { CatalogMessageSchema, CatalogUpToDateSchema, planCatalog, type CatalogState } from "../../protocol/catalog-delta.js";
import { parseRulesConfig, RulesConfigSchema, type Product, type RulesConfig } from "../../protocol/rules/config.js";
import type { KioskCatalogStore } from "../catalog-store.js";
import type { SyncLink } from "./link.js";

const AnswerSchema = z.union([CatalogUpToDateSchema, SignedEnvelopeSchema]);

export class CatalogFollower {
  private state: CatalogState;
  private catalog: Product[];
  private readonly assembled = new WeakMap<ConfigContent, { version: number; content: ConfigContent }>();
  private readonly listeners: Array<() => void> = [];
  readonly stats = { catalogApplied: 0, catalogRefused: 0, catalogGaps: 0 };

  constructor(
    private readonly address: DeviceAddress,
    private readonly trustedKeys: Readonly<Record<string, string>>,
    private readonly link: SyncLink,
    private readonly store: KioskCatalogStore,
    private readonly log: Logger,
  ) {
    const { state, dropped } = store.load();
    if (dropped) log.error("sync: the stored catalog does not match its hash; dropped, a snapshot will be asked for");
    this.state = state;
    this.catalog = [...state.products.values()];
  }

  /** The catalog version held (0: none). */
  get version(): number {
    return this.state.version;
  }

  onChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Asks the hub for what follows the version held (a snapshot when none, or `fresh`). */
  request(fresh = false): void {
    this.link.send("catalog/req", fresh ? { version: 0 } : { version: this.state.version, catalogHash: this.state.catalogHash });
  }

  /** A push on the store's catalog topic, or the answer to a pull: both are signed messages (an answer may be up-to-date). */
  onMessage(payload: Buffer): void {
    const answer = decodeMessage(AnswerSchema, payload);
    if ("kind" in answer) return;
    // Throws SIGNATURE_INVALID / SCHEMA_INVALID (a ProtocolError: counted as invalid, nothing written).
    let msg: z.infer<typeof CatalogMessageSchema>;
    try {
      msg = openEnvelope(answer, this.trustedKeys, CatalogMessageSchema);
    } catch (err) {
      this.stats.catalogRefused++;
      throw err;
    }
    const plan = planCatalog(this.state, msg, this.address);
    if (!plan.ok) {
      if (plan.reason === "STALE") return;
      if (plan.reason === "GAP") {
        this.stats.catalogGaps++;
        this.log.info({ held: this.state.version, reason: plan.message }, "sync: catalog delta does not follow the version held; pulling the gap");
        this.request();
        return;
      }
      this.stats.catalogRefused++;
      this.log.warn({ code: plan.reason, reason: plan.message }, "sync: catalog message refused; keeping the version held");
      if (plan.reason === "HASH_MISMATCH") this.request(true);
      return;
    }
    this.store.apply(plan);
    // Only after the commit: the next quote prices with the new version, whole.
    this.state = plan.next;
    this.catalog = [...plan.next.products.values()];
    this.stats.catalogApplied++;
    this.log.info({ version: plan.next.version, items: plan.next.products.size, put: plan.put.length, removed: plan.remove.length }, "sync: catalog applied");
    for (const l of this.listeners) l();
  }

  /**
   * The config the kiosk prices with: the bundle in force with the catalog held (and its version)
   * when the kiosk holds one, else the bundle as it came (its own catalog). Cached per bundle and
   * version, so the pricing index is built once per catalog version.
   */
  assemble(bundle: ConfigContent | undefined): ConfigContent | undefined {
    if (!bundle) return undefined;
    if (this.state.version === 0) {
      if (bundle.catalogVersion === undefined) return bundle;
      // A bundle without its catalog and none held yet: nothing to sell until the snapshot is here.
      const { catalogVersion: _v, ...rest } = bundle;
      return rest;
    }
    const hit = this.assembled.get(bundle);
    if (hit && hit.version === this.state.version) return hit.content;
    const content: ConfigContent = { ...bundle, rules: { ...bundle.rules, catalog: this.catalog }, catalogVersion: this.state.version };
    this.assembled.set(bundle, { version: this.state.version, content });
    return content;
  }

  /**
   * The rules check of a bundle before it replaces the one in force. A bundle without its catalog is
   * checked with the catalog held; while that is older than the bundle's (the delta is on its way),
   * the references into the catalog (free-item coupon skus, scale-label PLUs and pick list) are
   * left to the hub, which checked the whole config when it signed it.
   */
  checkBundle(bundle: ConfigContent): RulesConfig {
    if (bundle.catalogVersion === undefined) return parseRulesConfig(bundle.rules);
    const rules = { ...bundle.rules, catalog: this.catalog };
    const parsed = RulesConfigSchema.safeParse(rules);
    if (parsed.success) return parsed.data;
    const behind = this.state.version < bundle.catalogVersion;
    const left = parsed.error.issues.filter((i) => !(behind && isCatalogReference(i.path)));
    if (left.length > 0) throw new z.ZodError(left);
    return rules as RulesConfig;
  }
}

function isCatalogReference(path: readonly PropertyKey[]): boolean {
  const [a, , c] = path;
  return (a === "coupons" && c === "sku") || a === "scaleLabels";
}
