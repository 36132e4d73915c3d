// PLUS purchase or renewal: choose a plan, see the hub's quote (kind, price for the member's card class, bonus days, new expiry), pay, confirm once (the quoted price guards against a change).
import { useEffect, useState } from "react";
import { Descriptions, Form, Result, Select } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { CounterDialog } from "./Dialog";
import { ALL_METHODS, PaymentSelect } from "./TopUpDialog";
import { S } from "./strings";

type Plans = operations["getPlusPlans"]["responses"][200]["content"]["application/json"];
type Quote = operations["getMembersIdPlusQuote"]["responses"][200]["content"]["application/json"];
type Done = operations["postMembersIdPlusPurchase"]["responses"][200]["content"]["application/json"];
type Method = (typeof ALL_METHODS)[number];

export function PlusDialog({
  memberId,
  storeId,
  cardClass,
  onClose,
  onDone,
}: {
  memberId: string;
  storeId: string;
  /** The member's card class now: the plans list shows its price (the quote is the hub's). */
  cardClass: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useT(S);
  const [plans, setPlans] = useState<Plans | undefined>();
  const [planId, setPlanId] = useState<string | undefined>();
  const [method, setMethod] = useState<Method>("cash");
  const [quote, setQuote] = useState<Quote | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<Done | undefined>();

  useEffect(() => {
    void api.GET("/bo/plus/plans", { params: { query: { storeId } } }).then(({ data, error: e }) => (data ? setPlans(data) : setError(e)));
  }, [storeId]);
  useEffect(() => {
    setQuote(undefined);
    setError(undefined);
    if (!planId) return;
    let live = true;
    void api
      .GET("/bo/members/{id}/plus/quote", { params: { path: { id: memberId }, query: { storeId, planId } } })
      .then(({ data, error: e }) => live && (data ? setQuote(data) : setError(e)));
    return () => {
      live = false;
    };
  }, [memberId, storeId, planId]);

  const className = (id: string) => plans?.classes.find((c) => c.id === id)?.name ?? id;
  const plan = plans?.plans.find((p) => p.id === planId);
  const confirm = async (key: string) => {
    if (!planId || !quote) return undefined;
    const { data, error: e } = await api.POST("/bo/members/{id}/plus/purchase", {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: { storeId, planId, payment: { method }, expectedPriceFen: quote.priceFen },
    });
    if (e) return e;
    setDone(data);
    onDone();
    return undefined;
  };
  const kindWord = (k: string) => (k === "purchase" ? t("purchase") : k === "renewal" ? t("renewal") : k);

  return (
    <CounterDialog title={t("plus")} onClose={onClose} onConfirm={confirm} canConfirm={!!quote} done={!!done} testId="plus-dialog">
      {done ? (
        <Result
          status="success"
          title={t("done")}
          subTitle={
            <span data-testid="plus-result" data-ms={done.expiresAt}>
              {kindWord(done.kind)} · {t("expiresAt")} {date(done.expiresAt)} · {yuan(done.priceFen)}
            </span>
          }
        />
      ) : (
        <Form layout="vertical">
          <Form.Item label={t("plusPlan")} extra={plan?.description || undefined}>
            <Select
              value={planId}
              onChange={setPlanId}
              data-testid="plus-plan"
              options={(plans?.plans ?? [])
                .filter((p) => p.enabled)
                .map((p) => ({ value: p.id, label: `${p.name} · ${p.periodDays}天/days · ${yuan(p.pricesByClass[cardClass] ?? p.priceFen)}` }))}
            />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={ALL_METHODS} />
          </Form.Item>
          <ErrorNote error={error} />
          {quote && (
            <Descriptions title={t("quote")} size="small" column={1} bordered data-testid="plus-quote">
              <Descriptions.Item label={t("kind")}>
                <span data-testid="plus-quote-kind">{kindWord(quote.kind)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("price")}>
                <span data-testid="plus-quote-price">{yuan(quote.priceFen)}</span>
                <span style={{ marginLeft: 8, opacity: 0.65 }}>
                  {t("pricedFor")} {className(quote.cardClass)}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t("bonusDays")}>{quote.bonusDays}</Descriptions.Item>
              <Descriptions.Item label={t("couponPacks")}>{quote.couponPackIds.join(", ") || "—"}</Descriptions.Item>
              {quote.previousExpiresAt !== null && <Descriptions.Item label={t("currentExpiry")}>{date(quote.previousExpiresAt)}</Descriptions.Item>}
              <Descriptions.Item label={t("expiresAfter")}>
                <span data-testid="plus-quote-expiry" data-ms={quote.expiresAt}>
                  {date(quote.expiresAt)}
                </span>
              </Descriptions.Item>
            </Descriptions>
          )}
        </Form>
      )}
    </CounterDialog>
  );
}
