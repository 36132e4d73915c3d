// VIP purchase or renewal: choose a plan, see the hub's quote (kind, price, bonus days, new expiry), pay, confirm once (the quoted price guards against a change).
import { Descriptions, Form, Select } from "antd";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { classNamer, FormDialog, type MemberDialogProps, keyed, type PlanCharge, QuoteList, useKindWord, usePlanSale, vipPlans } from "./Dialog";
import { ALL_METHODS, PaymentField } from "./TopUpDialog";
import { S } from "./strings";

/** Charges a VIP quote by the route for its kind (an upgrade quote by the upgrade route). */
export function chargeVip(memberId: string, key: string, kind: string, body: PlanCharge) {
  const opts = { params: keyed(memberId, key), body };
  return kind === "upgrade" ? api.POST("/bo/members/{id}/vip/upgrade", opts) : api.POST("/bo/members/{id}/vip/purchase", opts);
}

export function VipDialog({ memberId, storeId, onClose, onDone }: MemberDialogProps) {
  const t = useT(S);
  const kindWord = useKindWord();
  const { plans, planId, setPlanId, quote, error, method, setMethod, done, confirm } = usePlanSale({
    memberId,
    storeId,
    onDone,
    plans: () => vipPlans(storeId),
    quote: (planId) => api.GET("/bo/members/{id}/vip/quote", { params: { path: { id: memberId }, query: { storeId, planId } } }),
    charge: (key, body, quote) => chargeVip(memberId, key, quote.kind, body),
  });
  const className = classNamer(plans?.classes);

  return (
    <FormDialog
      title={t("vip")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote}
      testId="vip-dialog"
      result={
        done && (
          <span data-testid="vip-result">
            {kindWord(done.kind)} · {className(done.cardClass)} · {t("expiresAt")} {date(done.expiresAt)} · {yuan(done.priceFen)}
          </span>
        )
      }
    >
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
      <PaymentField value={method} onChange={setMethod} methods={ALL_METHODS} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="vip-quote">
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
        </QuoteList>
      )}
    </FormDialog>
  );
}
