// Top-up at the counter: choose a rule or an amount, see the hub's quote (principal, bonus, points, upgrade), confirm once.
import { useEffect, useState } from "react";
import { Descriptions, Form, Input, Result, Select, Spin, Tag } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { fenOf, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { useSession } from "../shared/session";
import { CounterDialog } from "./Dialog";
import { S } from "./strings";

type Rules = operations["getTopUpsRules"]["responses"][200]["content"]["application/json"];
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

export function TopUpDialog({
  memberId,
  storeId,
  mayEditBonus,
  onClose,
  onDone,
}: {
  memberId: string;
  storeId: string;
  mayEditBonus: boolean;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useT(S);
  const [rules, setRules] = useState<Rules | undefined>();
  const [ruleId, setRuleId] = useState<string>("");
  const [amountText, setAmountText] = useState("");
  const [method, setMethod] = useState<Method>("cash");
  const [bonusText, setBonusText] = useState("");
  const [quote, setQuote] = useState<Quote | undefined>();
  const [quoteError, setQuoteError] = useState<unknown>();
  const [done, setDone] = useState<Done | undefined>();
  useSession();

  useEffect(() => {
    void api.GET("/bo/top-ups/rules", { params: { query: { storeId } } }).then(({ data, error }) => (data ? setRules(data) : setQuoteError(error)));
  }, [storeId]);

  const amountFen = fenOf(amountText);
  useEffect(() => {
    setQuote(undefined);
    setQuoteError(undefined);
    if (!amountFen) return;
    let live = true;
    const timer = setTimeout(() => {
      void api
        .GET("/bo/members/{id}/top-ups/quote", { params: { path: { id: memberId }, query: { storeId, amountFen, ...(ruleId ? { ruleId } : {}) } } })
        .then(({ data, error }) => live && (data ? setQuote(data) : setQuoteError(error)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [memberId, storeId, amountFen, ruleId]);

  const bonusOverride = bonusText.trim() === "" ? undefined : fenOf(bonusText);
  const confirm = async (key: string) => {
    if (!amountFen || !quote) return undefined;
    const { data, error } = await api.POST("/bo/members/{id}/top-ups", {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: {
        storeId,
        amountFen,
        ...(ruleId ? { ruleId } : {}),
        payment: { method },
        ...(bonusOverride !== undefined ? { bonusOverride: { bonusFen: bonusOverride } } : {}),
      },
    });
    if (error) return error;
    setDone(data);
    onDone();
    return undefined;
  };

  const pickRule = (id: string) => {
    setRuleId(id);
    const r = rules?.rules.find((x) => x.id === id);
    if (r?.amountFen) setAmountText(String(r.amountFen / 100));
  };

  return (
    <CounterDialog
      title={t("topUp")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote && !!amountFen && (bonusText.trim() === "" || bonusOverride !== undefined)}
      done={!!done}
      testId="topup-dialog"
    >
      {done ? (
        <Result
          status="success"
          title={t("done")}
          subTitle={
            <span data-testid="topup-result">
              {t("principal")} {yuan(done.principalFen)} · {t("bonus")} {yuan(done.bonusFen)} · {t("newBalance")}{" "}
              <b data-testid="topup-new-balance">{yuan(done.balances.balanceFen)}</b>
            </span>
          }
        />
      ) : (
        <Form layout="vertical">
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
            <Input
              value={amountText}
              onChange={(e) => setAmountText(e.target.value)}
              inputMode="decimal"
              prefix="¥"
              maxLength={12}
              data-testid="topup-amount"
            />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={EXTERNAL_METHODS} />
          </Form.Item>
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
            <Descriptions title={t("quote")} size="small" column={1} bordered data-testid="topup-quote">
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
            </Descriptions>
          )}
        </Form>
      )}
    </CounterDialog>
  );
}
