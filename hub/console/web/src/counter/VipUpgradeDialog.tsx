// VIP upgrade by the price difference: an active VIP picks a higher class's plan, sees the hub's upgrade quote (price for the remaining days, the kept expiry), pays, confirms once.
import { useEffect, useState } from "react";
import { Alert, Descriptions, Form, Result, Select } from "antd";
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
type Done = operations["postMembersIdVipUpgrade"]["responses"][200]["content"]["application/json"];
type Method = (typeof ALL_METHODS)[number];

export function VipUpgradeDialog({
  memberId,
  storeId,
  currentClass,
  onClose,
  onDone,
}: {
  memberId: string;
  storeId: string;
  /** The member's VIP class now (the plans of this class renew, they do not upgrade). */
  currentClass: string;
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
    void api.GET("/bo/vip/plans", { params: { query: { storeId } } }).then(({ data, error: e }) => (data ? setPlans(data) : setError(e)));
  }, [storeId]);
  useEffect(() => {
    setQuote(undefined);
    setError(undefined);
    if (!planId) return;
    let live = true;
    void api
      .GET("/bo/members/{id}/vip/quote", { params: { path: { id: memberId }, query: { storeId, planId, mode: "upgrade" } } })
      .then(({ data, error: e }) => live && (data ? setQuote(data) : setError(e)));
    return () => {
      live = false;
    };
  }, [memberId, storeId, planId]);

  const className = (id: string) => plans?.classes.find((c) => c.id === id)?.name ?? id;
  const choices = (plans?.plans ?? []).filter((p) => p.enabled && p.upgrade === "difference" && p.classId !== currentClass);
  const confirm = async (key: string) => {
    if (!planId || !quote) return undefined;
    // The route for what the hub quoted; the quoted price guards against a change since (PRICE_CHANGED).
    const opts = {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: { storeId, planId, payment: { method }, expectedPriceFen: quote.priceFen },
    };
    const { data, error: e } =
      quote.kind === "upgrade" ? await api.POST("/bo/members/{id}/vip/upgrade", opts) : await api.POST("/bo/members/{id}/vip/purchase", opts);
    if (e) return e;
    setDone(data);
    onDone();
    return undefined;
  };

  return (
    <CounterDialog title={t("vipUpgrade")} onClose={onClose} onConfirm={confirm} canConfirm={!!quote} done={!!done} testId="vip-upgrade-dialog">
      {done ? (
        <Result
          status="success"
          title={t("done")}
          subTitle={
            <span data-testid="vip-upgrade-result">
              {t("upgrade")} · {className(done.cardClass)} · {t("expiresAt")} {date(done.expiresAt)} ·{" "}
              <b data-testid="vip-upgrade-charged">{yuan(done.priceFen)}</b>
            </span>
          }
        />
      ) : (
        <Form layout="vertical">
          <Alert type="info" title={t("vipUpgradeHint")} style={{ marginBottom: 12 }} />
          {plans && choices.length === 0 && <Alert type="warning" title={t("noUpgradePlan")} style={{ marginBottom: 12 }} />}
          <Form.Item label={t("plan")}>
            <Select
              value={planId}
              onChange={setPlanId}
              data-testid="vip-upgrade-plan"
              options={choices.map((p) => ({ value: p.id, label: `${className(p.classId)} · ${p.periodDays}天/days · ${yuan(p.priceFen)}` }))}
            />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={ALL_METHODS} />
          </Form.Item>
          <ErrorNote error={error} />
          {quote && (
            <Descriptions title={t("quote")} size="small" column={1} bordered data-testid="vip-upgrade-quote">
              <Descriptions.Item label={t("kind")}>{quote.kind === "upgrade" ? t("upgrade") : quote.kind}</Descriptions.Item>
              <Descriptions.Item label={t("price")}>
                <span data-testid="vip-upgrade-quote-price">{yuan(quote.priceFen)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("classAfter")}>
                {className(currentClass)} → {className(quote.classAfter)}
              </Descriptions.Item>
              <Descriptions.Item label={t("expiresAt")}>
                <span data-testid="vip-upgrade-quote-expiry" data-ms={quote.expiresAt}>
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
