// Which rules config the back office applies: a store's latest signed config, or the chain's for chain-wide work.
//
// Counter operations (top-ups, VIP purchases) use the rules of the store they happen in, the same
// config the store's kiosks price with. Chain-wide work (levels, the yearly clear, job days) uses
// the chain defaults layer; an install that only ever published full store configs has no chain
// layer, so the most recently published store config stands in; with no config at all, the
// rules' defaults apply (no levels, no yearly clear).
import type { ConfigService } from "../config-service.js";
import { parseRulesConfig, type RulesConfig } from "../../protocol/rules/config.js";
import { localDate, type IsoDate } from "../../protocol/rules/time.js";
import type { Database } from "../../storage/database.js";

export class RulesSource {
  private chainCache: { key: string; rules: RulesConfig } | undefined;

  constructor(
    private readonly db: Database,
    private readonly configs: ConfigService,
  ) {}

  /** The rules in force at a store (its latest published config), else the chain's. */
  forStore(storeId: string | null | undefined): RulesConfig {
    if (storeId) {
      const latest = this.configs.latest(storeId);
      if (latest) return latest.content.rules;
    }
    return this.chain();
  }

  /** The chain's rules: the chain layer, else the newest published store config, else defaults. */
  chain(): RulesConfig {
    const layer = this.db.prepare("SELECT body, updated_at FROM config_layers WHERE scope = 'chain'").get<{ body: string; updated_at: number }>();
    const newest = this.db
      .prepare("SELECT store_id, version FROM configs ORDER BY created_at DESC, version DESC LIMIT 1")
      .get<{ store_id: string; version: number }>();
    const key = `${layer?.updated_at ?? "-"}|${newest ? `${newest.store_id}:${newest.version}` : "-"}`;
    if (this.chainCache?.key === key) return this.chainCache.rules;
    let rules: RulesConfig | undefined;
    if (layer) {
      const body = JSON.parse(layer.body) as { rules?: unknown };
      if (body.rules !== undefined) {
        try {
          rules = parseRulesConfig(body.rules);
        } catch {
          rules = undefined; // a partial layer that only makes sense with store overrides
        }
      }
    }
    if (!rules && newest) rules = this.configs.get(newest.store_id, newest.version)?.content.rules;
    rules ??= parseRulesConfig({});
    this.chainCache = { key, rules };
    return rules;
  }

  /** The chain's store-local date at `at`. */
  chainDay(at: number): IsoDate {
    return localDate(at, this.chain().utcOffsetMinutes);
  }

  storeDay(storeId: string | null | undefined, at: number): IsoDate {
    return localDate(at, this.forStore(storeId).utcOffsetMinutes);
  }
}
