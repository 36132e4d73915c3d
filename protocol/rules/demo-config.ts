// A small demo rules config (the DOMAIN.md examples); examples/demo-config.json holds the same content.
import { parseRulesConfig, type RulesConfig, type RulesConfigInput } from "./config.js";

/**
 * Six products (one infant formula, one without barcode), a Normal level and a Gold level with
 * 90 on everything except infant formula, 1 point per 100 yuan (1000 yuan = 10 points), a member
 * price on the rice, a VIP class price and a PLUS price on the olive oil.
 */
export const DEMO_RULES_CONFIG: RulesConfigInput = {
  utcOffsetMinutes: 480,
  catalog: [
    { sku: "rice-5kg", barcode: "6901234560015", name: "Northeast rice 5kg", category: "grocery", priceFen: 5990, memberPriceFen: 5490 },
    { sku: "milk-1l", barcode: "6901234560022", name: "Fresh milk 1L", category: "dairy", priceFen: 1250 },
    { sku: "formula-900g", barcode: "6901234560039", name: "Infant formula stage 3 900g", category: "infant-formula", brand: "aptamil", priceFen: 29800 },
    { sku: "diapers-l52", barcode: "6901234560046", name: "Diapers L 52", category: "baby-care", brand: "merries", priceFen: 12900 },
    { sku: "apples-1kg", name: "Fuji apples 1kg (loose)", category: "produce", priceFen: 1580 },
    {
      sku: "olive-oil-1l",
      barcode: "6901234560053",
      name: "Olive oil 1L",
      category: "grocery",
      priceFen: 8900,
      classPricesFen: { "vip-gold": 7900 },
      plusPriceFen: 7500,
    },
  ],
  levels: [
    { id: "normal", name: "Normal", defaultFor: ["till", "online"] },
    { id: "gold", name: "Gold", discountPercent: 90, excludedCategories: ["infant-formula"], upgradeThreshold: 100_000 },
  ],
  levelUpgrade: { metric: "spend" },
  points: { spend: { fenPerPoint: 10_000 }, options: { noBarcodeItemsEarn: true } },
  cardClasses: [
    { id: "standard", name: "Standard card" },
    { id: "vip-gold", name: "VIP Gold", vip: true },
  ],
};

export function minimalDemoRulesConfig(): RulesConfig {
  return parseRulesConfig(structuredClone(DEMO_RULES_CONFIG));
}
