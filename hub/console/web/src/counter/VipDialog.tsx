// VIP purchase or renewal: choose a plan, see the hub's quote (kind, price, bonus days, new expiry), pay, confirm once (the quoted price guards against a change).
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

type Plans = operations["getVipPlans"]["responses"][200]["content"]["application/json"];
type Quote = operations["getMembersIdVipQuote"]["responses"][200]["content"]["application/json"];
type Done = operations["postMembersIdVipPurchase"]["responses"][200]["content"]["application/json"];
type Method = "cash" | "card" | "wechat" | "alipay" | "balance" | "other";

export function VipDialog({ memberId, storeId, onClose, onDone }: { memberId: string; storeId: string; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [plans, setPlans] = useState<Plans | undefined>();
  const [planId, setPlanId] = useState<string | undefined>();
  const [method, setMethod] = useState<Method>("cash");
  const [quote, setQuote] = useState<Quote | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<Done | undefined>();

  useEffect(() => {
    void api.GET("/bo/vip/plans", { params: { query: { storeId } } }).then(({ data, error: e }) => (data ? setPlans(data) : setError(e)));
  }, [storeId]);
  useEffect(() => {
    setQuote(undefined);
    setError(undefined);
    if (!planId) return;
    let live = true;
    void api
      .GET("/bo/members/{id}/vip/quote", { params: { path: { id: memberId }, query: { storeId, planId } } })
      .then(({ data, error: e }) => live && (data ? setQuote(data) : setError(e)));
    return () => {
      live = false;
    };
  }, [memberId, storeId, planId]);

  const className = (id: string) => plans?.classes.find((c) => c.id === id)?.name ?? id;
  const confirm = async (key: string) => {
    if (!planId || !quote) return undefined;
    const opts = {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: { storeId, planId, payment: { method }, expectedPriceFen: quote.priceFen },
    };
    // The route for the kind the hub quoted (an upgrade quote is charged by the upgrade route).
    const { data, error: e } =
      quote.kind === "upgrade" ? await api.POST("/bo/members/{id}/vip/upgrade", opts) : await api.POST("/bo/members/{id}/vip/purchase", opts);
    if (e) return e;
    setDone(data);
    onDone();
    return undefined;
  };
  const kindWord = (k: string) => (k === "purchase" ? t("purchase") : k === "renewal" ? t("renewal") : k === "upgrade" ? t("upgrade") : k);

  return (
    <CounterDialog title={t("vip")} onClose={onClose} onConfirm={confirm} canConfirm={!!quote} done={!!done} testId="vip-dialog">
      {done ? (
        <Result
          status="success"
          title={t("done")}
          subTitle={
            <span data-testid="vip-result">
              {kindWord(done.kind)} · {className(done.cardClass)} · {t("expiresAt")} {date(done.expiresAt)} · {yuan(done.priceFen)}
            </span>
          }
        />
      ) : (
        <Form layout="vertical">
          <Form.Item label={t("plan")}>
            <Select
              value={planId}
              onChange={setPlanId}
              data-testid="vip-plan"
              options={(plans?.plans ?? [])
                .filter((p) => p.enabled)
                .map((p) => ({ value: p.id, label: `${className(p.classId)} · ${p.periodDays}天/days · ${yuan(p.priceFen)}` }))}
            />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={ALL_METHODS} />
          </Form.Item>
          <ErrorNote error={error} />
          {quote && (
            <Descriptions title={t("quote")} size="small" column={1} bordered data-testid="vip-quote">
              <Descriptions.Item label={t("kind")}>{kindWord(quote.kind)}</Descriptions.Item>
              <Descriptions.Item label={t("price")}>
                <span data-testid="vip-quote-price">{yuan(quote.priceFen)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("bonusDays")}>{quote.bonusDays}</Descriptions.Item>
              <Descriptions.Item label={t("couponPacks")}>{quote.couponPackIds.join(", ") || "—"}</Descriptions.Item>
              <Descriptions.Item label={t("classAfter")}>{className(quote.classAfter)}</Descriptions.Item>
              <Descriptions.Item label={t("expiresAt")}>
                <span data-testid="vip-quote-expiry">{date(quote.expiresAt)}</span>
              </Descriptions.Item>
            </Descriptions>
          )}
        </Form>
      )}
    </CounterDialog>
  );
}
