// VIP upgrade by the price difference: an active VIP picks a higher class's plan, sees the hub's upgrade quote (price for the remaining days, the kept expiry), pays, confirms once.
import { Alert, Descriptions, Form, Select } from "antd";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { date, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { classNamer, dateItem, FormDialog, type MemberDialogProps, QuoteList, usePlanSale, vipPlans } from "./Dialog";
import { ALL_METHODS, PaymentField } from "./TopUpDialog";
import { chargeVip } from "./VipDialog";
import { S } from "./strings";

export function VipUpgradeDialog({
  memberId,
  storeId,
  currentClass,
  onClose,
  onDone,
}: MemberDialogProps & {
  /** The member's VIP class now (the plans of this class renew, they do not upgrade). */
  currentClass: string;
}) {
  const t = useT(S);
  const { plans, planId, setPlanId, quote, error, method, setMethod, done, confirm } = usePlanSale({
    memberId,
    storeId,
    onDone,
    plans: () => vipPlans(storeId),
    quote: (planId) => api.GET("/bo/members/{id}/vip/quote", { params: { path: { id: memberId }, query: { storeId, planId, mode: "upgrade" } } }),
    // The route for what the hub quoted.
    charge: (key, body, quote) => chargeVip(memberId, key, quote.kind, body),
  });
  const className = classNamer(plans?.classes);
  const choices = (plans?.plans ?? []).filter((p) => p.enabled && p.upgrade === "difference" && p.classId !== currentClass);

  return (
    <FormDialog
      title={t("vipUpgrade")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote}
      testId="vip-upgrade-dialog"
      result={
        done && (
          <span data-testid="vip-upgrade-result">
            {t("upgrade")} · {className(done.cardClass)} · {t("expiresAt")} {date(done.expiresAt)} ·{" "}
            <b data-testid="vip-upgrade-charged">{yuan(done.priceFen)}</b>
          </span>
        )
      }
    >
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
      <PaymentField value={method} onChange={setMethod} methods={ALL_METHODS} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="vip-upgrade-quote">
          <Descriptions.Item label={t("kind")}>{quote.kind === "upgrade" ? t("upgrade") : quote.kind}</Descriptions.Item>
          <Descriptions.Item label={t("price")}>
            <span data-testid="vip-upgrade-quote-price">{yuan(quote.priceFen)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t("classAfter")}>
            {className(currentClass)} → {className(quote.classAfter)}
          </Descriptions.Item>
          {dateItem(t("expiresAt"), "vip-upgrade-quote-expiry", quote.expiresAt)}
        </QuoteList>
      )}
    </FormDialog>
  );
}
