// Paid level upgrade: the levels above the member's that can be bought, the hub's quote (price, reward, effective day), payment, one confirm guarded by the quoted price.
import { useState } from "react";
import { Alert, Descriptions, Form, Select } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { FormDialog, type MemberDialogProps, keyed, QuoteList, useDone, useLoad, useQuote } from "./Dialog";
import { ALL_METHODS, PaymentField } from "./TopUpDialog";
import { S } from "./strings";

type Quote = operations["getMembersIdLevelPaidUpgradeQuote"]["responses"][200]["content"]["application/json"];
type Done = operations["postMembersIdLevelPaidUpgrade"]["responses"][200]["content"]["application/json"];
type Method = (typeof ALL_METHODS)[number];

export function LevelUpgradeDialog({
  memberId,
  storeId,
  levelId,
  onClose,
  onDone,
}: MemberDialogProps & {
  /** The member's level now. */
  levelId: string;
}) {
  const t = useT(S);
  const [target, setTarget] = useState<string | undefined>();
  const [method, setMethod] = useState<Method>("cash");
  const { done, settle } = useDone<Done>(onDone);
  const loaded = useLoad(() => api.GET("/bo/levels"), "");
  const levels = loaded.data?.levels;
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
    return settle(
      await api.POST("/bo/members/{id}/level/paid-upgrade", {
        params: keyed(memberId, key),
        body: { storeId, levelId: target, payment: { method }, expectedPriceFen: quote.priceFen },
      }),
    );
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
    <FormDialog
      title={t("levelUpgrade")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote}
      testId="level-upgrade-dialog"
      result={
        done && (
          <span data-testid="level-upgrade-result">
            {levelName(done.levelId)} · {yuan(done.priceFen)} · {reward(done.reward)}
          </span>
        )
      }
    >
      <ErrorNote error={loaded.error} />
      {levels && choices.length === 0 && <Alert type="warning" title={t("noPaidLevel")} style={{ marginBottom: 12 }} />}
      <Form.Item label={t("level")}>
        <Select
          value={target}
          onChange={setTarget}
          data-testid="level-upgrade-level"
          options={choices.map((l) => ({ value: l.id, label: `${l.name} · ${yuan(l.paidUpgradeFen)}` }))}
        />
      </Form.Item>
      <PaymentField value={method} onChange={setMethod} methods={ALL_METHODS} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="level-upgrade-quote">
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
        </QuoteList>
      )}
    </FormDialog>
  );
}
