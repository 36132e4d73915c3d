// Paid level upgrade: the levels above the member's that can be bought, the hub's quote (price, reward, effective day), payment, one confirm guarded by the quoted price.
import { useEffect, useState } from "react";
import { Alert, Descriptions, Form, Result, Select } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { CounterDialog, useQuote } from "./Dialog";
import { ALL_METHODS, PaymentSelect } from "./TopUpDialog";
import { S } from "./strings";

type Levels = operations["getLevels"]["responses"][200]["content"]["application/json"]["levels"];
type Quote = operations["getMembersIdLevelPaidUpgradeQuote"]["responses"][200]["content"]["application/json"];
type Done = operations["postMembersIdLevelPaidUpgrade"]["responses"][200]["content"]["application/json"];
type Method = (typeof ALL_METHODS)[number];

export function LevelUpgradeDialog({
  memberId,
  storeId,
  levelId,
  onClose,
  onDone,
}: {
  memberId: string;
  storeId: string;
  /** The member's level now. */
  levelId: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useT(S);
  const [levels, setLevels] = useState<Levels | undefined>();
  const [levelsError, setLevelsError] = useState<unknown>();
  const [target, setTarget] = useState<string | undefined>();
  const [method, setMethod] = useState<Method>("cash");
  const [done, setDone] = useState<Done | undefined>();
  useEffect(() => {
    void api.GET("/bo/levels").then(({ data, error: e }) => (data ? setLevels(data.levels) : setLevelsError(e)));
  }, []);
  const { quote, error } = useQuote<Quote>(
    target
      ? () => api.GET("/bo/members/{id}/level/paid-upgrade/quote", { params: { path: { id: memberId }, query: { storeId, levelId: target } } })
      : undefined,
    JSON.stringify([memberId, storeId, target]),
  );
  const levelName = (id: string) => levels?.find((l) => l.id === id)?.name ?? id;
  // Levels are listed lowest first: only those above the member's that have a price can be bought (the hub checks again).
  const here = levels?.findIndex((l) => l.id === levelId) ?? -1;
  const choices = (levels ?? []).filter((l, i) => i > here && l.paidUpgradeFen !== undefined);
  const confirm = async (key: string) => {
    if (!target || !quote) return undefined;
    const { data, error: e } = await api.POST("/bo/members/{id}/level/paid-upgrade", {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: { storeId, levelId: target, payment: { method }, expectedPriceFen: quote.priceFen },
    });
    if (e) return e;
    setDone(data);
    onDone();
    return undefined;
  };
  const reward = (r: Quote["reward"]): string => {
    if (!r) return "—";
    const parts = [
      r.points ? t("rewardPoints", { n: r.points }) : "",
      r.balanceFen ? t("rewardBalance", { v: yuan(r.balanceFen) }) : "",
      r.couponPackIds?.length ? t("rewardPacks", { ids: r.couponPackIds.join(", ") }) : "",
    ].filter((s) => s !== "");
    return parts.join(" · ") || "—";
  };
  return (
    <CounterDialog title={t("levelUpgrade")} onClose={onClose} onConfirm={confirm} canConfirm={!!quote} done={!!done} testId="level-upgrade-dialog">
      {done ? (
        <Result
          status="success"
          title={t("done")}
          subTitle={
            <span data-testid="level-upgrade-result">
              {levelName(done.levelId)} · {yuan(done.priceFen)} · {reward(done.reward)}
            </span>
          }
        />
      ) : (
        <Form layout="vertical">
          <ErrorNote error={levelsError} />
          {levels && choices.length === 0 && <Alert type="warning" title={t("noPaidLevel")} style={{ marginBottom: 12 }} />}
          <Form.Item label={t("level")}>
            <Select
              value={target}
              onChange={setTarget}
              data-testid="level-upgrade-level"
              options={choices.map((l) => ({ value: l.id, label: `${l.name} · ${yuan(l.paidUpgradeFen)}` }))}
            />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={ALL_METHODS} />
          </Form.Item>
          <ErrorNote error={error} />
          {quote && (
            <Descriptions title={t("quote")} size="small" column={1} bordered data-testid="level-upgrade-quote">
              <Descriptions.Item label={t("levelBefore")}>
                {levelName(quote.levelBefore)} → {levelName(quote.levelId)}
              </Descriptions.Item>
              <Descriptions.Item label={t("price")}>
                <span data-testid="level-upgrade-quote-price">{yuan(quote.priceFen)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("reward")}>
                <span data-testid="level-upgrade-quote-reward">{reward(quote.reward)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("effectiveOn")}>{quote.effectiveOn}</Descriptions.Item>
            </Descriptions>
          )}
        </Form>
      )}
    </CounterDialog>
  );
}
