// Top-up at the counter: choose a rule or an amount, see the hub's quote (principal, bonus, points, upgrade), confirm once.
import { useState } from "react";
import { Descriptions, Form, Input, Select, Spin, Tag } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { fenOf, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { useSession } from "../shared/session";
import { FormDialog, type MemberDialogProps, keyed, QuoteList, useDone, useLoad, useQuote } from "./Dialog";
import { S } from "./strings";

type Quote = operations["getMembersIdTopUpsQuote"]["responses"][200]["content"]["application/json"];
type Done = operations["postMembersIdTopUps"]["responses"][201]["content"]["application/json"];
type Method = "cash" | "card" | "wechat" | "alipay" | "other";

export const EXTERNAL_METHODS = ["cash", "card", "wechat", "alipay", "other"] as const;
export const ALL_METHODS = ["cash", "card", "wechat", "alipay", "balance", "other"] as const;

export function PaymentSelect<M extends (typeof ALL_METHODS)[number]>({
  value,
  onChange,
  methods,
}: {
  value: M;
  onChange: (v: M) => void;
  methods: readonly M[];
}) {
  const t = useT(S);
  return <Select<M> value={value} onChange={onChange} options={methods.map((m) => ({ value: m, label: t(m) }))} data-testid="payment" style={{ width: 160 }} />;
}

/** The payment method as a form field (支付方式). */
export function PaymentField<M extends (typeof ALL_METHODS)[number]>(props: { value: M; onChange: (v: M) => void; methods: readonly M[] }) {
  const t = useT(S);
  return (
    <Form.Item label={t("payment")}>
      <PaymentSelect {...props} />
    </Form.Item>
  );
}

export function TopUpDialog({
  memberId,
  storeId,
  mayEditBonus,
  onClose,
  onDone,
}: MemberDialogProps & {
  mayEditBonus: boolean;
}) {
  const t = useT(S);
  const [ruleId, setRuleId] = useState<string>("");
  const [amountText, setAmountText] = useState("");
  const [method, setMethod] = useState<Method>("cash");
  const [bonusText, setBonusText] = useState("");
  const { done, settle } = useDone<Done>(onDone);
  useSession();

  const amountFen = fenOf(amountText);
  // The rules' error shows where the quote's does, until the amount or the rule changes.
  const {
    quote,
    error: quoteError,
    setError: setQuoteError,
  } = useQuote<Quote>(
    amountFen
      ? () => api.GET("/bo/members/{id}/top-ups/quote", { params: { path: { id: memberId }, query: { storeId, amountFen, ...(ruleId ? { ruleId } : {}) } } })
      : undefined,
    JSON.stringify([memberId, storeId, amountFen, ruleId]),
  );
  const { data: rules } = useLoad(() => api.GET("/bo/top-ups/rules", { params: { query: { storeId } } }), storeId, setQuoteError);

  const bonusOverride = bonusText.trim() === "" ? undefined : fenOf(bonusText);
  const confirm = async (key: string) => {
    if (!amountFen || !quote) return undefined;
    return settle(
      await api.POST("/bo/members/{id}/top-ups", {
        params: keyed(memberId, key),
        body: {
          storeId,
          amountFen,
          ...(ruleId ? { ruleId } : {}),
          payment: { method },
          ...(bonusOverride !== undefined ? { bonusOverride: { bonusFen: bonusOverride } } : {}),
        },
      }),
    );
  };

  const pickRule = (id: string) => {
    setRuleId(id);
    const r = rules?.rules.find((x) => x.id === id);
    if (r?.amountFen) setAmountText(String(r.amountFen / 100));
  };

  return (
    <FormDialog
      title={t("topUp")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote && !!amountFen && (bonusText.trim() === "" || bonusOverride !== undefined)}
      testId="topup-dialog"
      result={
        done && (
          <span data-testid="topup-result">
            {t("principal")} {yuan(done.principalFen)} · {t("bonus")} {yuan(done.bonusFen)} · {t("newBalance")}{" "}
            <b data-testid="topup-new-balance">{yuan(done.balances.balanceFen)}</b>
          </span>
        )
      }
    >
      {!rules && !quoteError && <Spin />}
      <Form.Item label={t("rule")}>
        <Select
          value={ruleId}
          onChange={pickRule}
          data-testid="topup-rule"
          options={[
            { value: "", label: t("bestRule") },
            ...(rules?.rules ?? []).map((r) => ({
              value: r.id,
              label: `${r.name}${r.amountFen ? ` · ${yuan(r.amountFen)}` : r.minAmountFen ? ` · ≥ ${yuan(r.minAmountFen)}` : ""}`,
            })),
          ]}
        />
      </Form.Item>
      <Form.Item label={t("amount")} validateStatus={amountText && !amountFen ? "error" : ""} help={amountText && !amountFen ? t("amountBad") : undefined}>
        <Input value={amountText} onChange={(e) => setAmountText(e.target.value)} inputMode="decimal" prefix="¥" maxLength={12} data-testid="topup-amount" />
      </Form.Item>
      <PaymentField value={method} onChange={setMethod} methods={EXTERNAL_METHODS} />
      {mayEditBonus && (
        <Form.Item label={t("editBonus")}>
          <Input
            value={bonusText}
            onChange={(e) => setBonusText(e.target.value)}
            inputMode="decimal"
            prefix="¥"
            maxLength={12}
            data-testid="topup-bonus-edit"
          />
        </Form.Item>
      )}
      <ErrorNote error={quoteError} />
      {quote && (
        <QuoteList testId="topup-quote">
          <Descriptions.Item label={t("rule")}>{quote.rule ? quote.rule.name : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("principal")}>
            <span data-testid="quote-principal">{yuan(quote.principalFen)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t("bonus")}>
            <span data-testid="quote-bonus">{yuan(quote.bonusFen)}</span> {bonusOverride !== undefined && <Tag color="orange">→ {yuan(bonusOverride)}</Tag>}
          </Descriptions.Item>
          <Descriptions.Item label={t("bonusPoints")}>{quote.points}</Descriptions.Item>
          {quote.upgradeToLevelId && <Descriptions.Item label={t("upgradeTo")}>{quote.upgradeToLevelId}</Descriptions.Item>}
          {quote.vipPlanId && <Descriptions.Item label={t("vipGift")}>{quote.vipPlanId}</Descriptions.Item>}
          {quote.notGiven.length > 0 && <Descriptions.Item label={t("notGiven")}>{JSON.stringify(quote.notGiven)}</Descriptions.Item>}
        </QuoteList>
      )}
    </FormDialog>
  );
}
