// PLUS purchase or renewal: choose a plan, see the hub's quote (kind, price for the member's card class, bonus days, new expiry), pay, confirm once (the quoted price guards against a change).
import { Descriptions, Form, Select } from "antd";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { classNamer, dateItem, FormDialog, type MemberDialogProps, keyed, QuoteList, useKindWord, usePlanSale } from "./Dialog";
import { ALL_METHODS, PaymentField } from "./TopUpDialog";
import { S } from "./strings";

export function PlusDialog({
  memberId,
  storeId,
  cardClass,
  onClose,
  onDone,
}: MemberDialogProps & {
  /** The member's card class now: the plans list shows its price (the quote is the hub's). */
  cardClass: string;
}) {
  const t = useT(S);
  const kindWord = useKindWord();
  const { plans, planId, setPlanId, quote, error, method, setMethod, done, confirm } = usePlanSale({
    memberId,
    storeId,
    onDone,
    plans: () => api.GET("/bo/plus/plans", { params: { query: { storeId } } }),
    quote: (planId) => api.GET("/bo/members/{id}/plus/quote", { params: { path: { id: memberId }, query: { storeId, planId } } }),
    charge: (key, body) => api.POST("/bo/members/{id}/plus/purchase", { params: keyed(memberId, key), body }),
  });
  const className = classNamer(plans?.classes);
  const plan = plans?.plans.find((p) => p.id === planId);

  return (
    <FormDialog
      title={t("plus")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote}
      testId="plus-dialog"
      result={
        done && (
          <span data-testid="plus-result" data-ms={done.expiresAt}>
            {kindWord(done.kind)} · {t("expiresAt")} {date(done.expiresAt)} · {yuan(done.priceFen)}
          </span>
        )
      }
    >
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
      <PaymentField value={method} onChange={setMethod} methods={ALL_METHODS} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="plus-quote">
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
          {dateItem(t("expiresAfter"), "plus-quote-expiry", quote.expiresAt)}
        </QuoteList>
      )}
    </FormDialog>
  );
}
