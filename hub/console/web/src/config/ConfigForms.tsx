// The configuration page's tabs: levels and publish (ConfigPage's own content), then forms for points, store policy, the other rules sections (with scale labels) and the catalog, each editing the chain defaults or the selected store's overrides.
import { useState, type ReactNode } from "react";
import { Radio, Space, Tabs, Typography } from "antd";
import { useT } from "../shared/i18n";
import { CatalogPanel } from "./CatalogPanel";
import { FieldsCard, type LayerView } from "./FieldsCard";
import { type CardDef, OTHER_RULES_CARDS, POINTS_CARDS, POLICY_CARDS, SCALE_CARD } from "./fields";
import { ListCard } from "./ListCard";
import { type ListDef, POLICY_LISTS, RULE_LISTS } from "./lists";
import { S } from "./strings";

type Obj = Record<string, unknown>;
export interface StoreConfigLike {
  storeId: string;
  inForce?: { version: number; content?: unknown } | null;
  overrides?: unknown;
  chain?: unknown;
}

const POINTS_LISTS = RULE_LISTS.filter((l) => l.path.startsWith("rules.points."));
const OTHER_LISTS = RULE_LISTS.filter((l) => !l.path.startsWith("rules.points."));

function Cards({ cards, lists = [], view, reload }: { cards: CardDef[]; lists?: ListDef[]; view: LayerView; reload: () => Promise<void> }) {
  // Keyed by scope only: a card holds just its unsaved edits and shows everything else from the view, so a
  // save in one card (which clears that card's edits and reloads the view) keeps what is typed in the others.
  return (
    <>
      {cards.map((c) => (
        <FieldsCard key={`${c.key}-${view.scope}`} card={c} view={view} onSaved={reload} />
      ))}
      {lists.map((l) => (
        <ListCard key={`${l.key}-${view.scope}`} def={l} view={view} onSaved={reload} />
      ))}
    </>
  );
}

export function ConfigTabs({ main, cfg, reload }: { main: ReactNode; cfg: StoreConfigLike | undefined; reload: () => Promise<void> }) {
  const t = useT(S);
  const [scope, setScope] = useState<"chain" | "store">("chain");
  const [tab, setTab] = useState("levels");
  const view: LayerView | undefined = cfg && {
    scope,
    storeId: cfg.storeId,
    chain: (cfg.chain ?? null) as Obj | null,
    overrides: (cfg.overrides ?? null) as Obj | null,
    inForce: (cfg.inForce?.content ?? null) as Obj | null,
  };
  const scoped = (node: ReactNode) => (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Space wrap>
        <Typography.Text strong>{t("scope")}</Typography.Text>
        <Radio.Group value={scope} onChange={(e) => setScope(e.target.value as "chain" | "store")} optionType="button" data-testid="config-scope">
          <Radio.Button value="chain">
            <span data-testid="scope-chain">{t("scopeChain")}</span>
          </Radio.Button>
          <Radio.Button value="store">
            <span data-testid="scope-store">{t("scopeStore", { store: cfg?.storeId ?? "" })}</span>
          </Radio.Button>
        </Radio.Group>
      </Space>
      <Typography.Paragraph type="secondary">{t("scopeHint")}</Typography.Paragraph>
      {node}
    </Space>
  );
  return (
    <Tabs
      activeKey={tab}
      onChange={setTab}
      destroyOnHidden
      items={[
        { key: "levels", label: <span data-testid="tab-levels">{t("tabLevels")}</span>, children: main },
        ...(view
          ? [
              {
                key: "points",
                label: <span data-testid="tab-points">{t("tabPoints")}</span>,
                children: scoped(<Cards cards={POINTS_CARDS} lists={POINTS_LISTS} view={view} reload={reload} />),
              },
              {
                key: "policy",
                label: <span data-testid="tab-policy">{t("tabPolicy")}</span>,
                children: scoped(<Cards cards={POLICY_CARDS} lists={POLICY_LISTS} view={view} reload={reload} />),
              },
              {
                key: "lists",
                label: <span data-testid="tab-lists">{t("tabLists")}</span>,
                children: scoped(<Cards cards={[]} lists={OTHER_LISTS} view={view} reload={reload} />),
              },
              {
                key: "other",
                label: <span data-testid="tab-other">{t("tabOther")}</span>,
                children: scoped(<Cards cards={[...OTHER_RULES_CARDS, SCALE_CARD]} view={view} reload={reload} />),
              },
              {
                key: "catalog",
                label: <span data-testid="tab-catalog">{t("tabCatalog")}</span>,
                children: scoped(<CatalogPanel view={view} onImported={reload} />),
              },
            ]
          : []),
      ]}
    />
  );
}
