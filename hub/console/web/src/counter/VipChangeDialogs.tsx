// VIP without payment (managers): giving a plan to a member who is not VIP, and extending a VIP by days or to a date; each shows the hub's quote (class, expiry) and asks for a reason.
import { useState } from "react";
import { Alert, Descriptions, Form, Input, InputNumber, Radio, Select } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { date } from "../shared/format";
import { useT } from "../shared/i18n";
import { classNamer, dateItem, FormDialog, type MemberDialogProps, keyed, QuoteList, useDone, useLoad, useQuote, vipPlans } from "./Dialog";
import { Reason } from "./SimpleDialogs";
import { S } from "./strings";

type GiftQuote = operations["getMembersIdVipGiftQuote"]["responses"][200]["content"]["application/json"];
type GiftDone = operations["postMembersIdVipGift"]["responses"][200]["content"]["application/json"];
type ExtendQuote = operations["getMembersIdVipExtendQuote"]["responses"][200]["content"]["application/json"];

export function VipGiftDialog({ memberId, storeId, onClose, onDone }: MemberDialogProps) {
  const t = useT(S);
  const { data: plans, error: plansError } = useLoad(() => vipPlans(storeId), storeId);
  const [planId, setPlanId] = useState<string | undefined>();
  const [reason, setReason] = useState("");
  const { done, settle } = useDone<GiftDone>(onDone);
  const { quote, error } = useQuote<GiftQuote>(
    planId ? () => api.GET("/bo/members/{id}/vip/gift/quote", { params: { path: { id: memberId }, query: { storeId, planId } } }) : undefined,
    JSON.stringify([memberId, storeId, planId]),
  );
  const className = classNamer(plans?.classes);
  const confirm = async (key: string) => {
    if (!planId || !quote) return undefined;
    return settle(await api.POST("/bo/members/{id}/vip/gift", { params: keyed(memberId, key), body: { storeId, planId, reason: reason.trim() } }));
  };
  return (
    <FormDialog
      title={t("vipGiveTitle")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote && reason.trim() !== ""}
      testId="vip-gift-dialog"
      result={
        done && (
          <span data-testid="vip-gift-result">
            {className(done.cardClass)} · {t("expiresAt")} {date(done.expiresAt)}
          </span>
        )
      }
    >
      <Alert type="info" title={t("vipGiveHint")} style={{ marginBottom: 12 }} />
      <ErrorNote error={plansError} />
      <Form.Item label={t("plan")}>
        <Select
          value={planId}
          onChange={setPlanId}
          data-testid="vip-gift-plan"
          options={(plans?.plans ?? []).filter((p) => p.enabled).map((p) => ({ value: p.id, label: `${className(p.classId)} · ${p.periodDays}天/days` }))}
        />
      </Form.Item>
      <Reason value={reason} onChange={setReason} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="vip-gift-quote">
          <Descriptions.Item label={t("classAfter")}>
            {className(quote.classBefore)} → {className(quote.classAfter)}
          </Descriptions.Item>
          {dateItem(t("expiresAt"), "vip-gift-quote-expiry", quote.expiresAt)}
        </QuoteList>
      )}
    </FormDialog>
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function VipExtendDialog({ memberId, onClose, onDone }: { memberId: string; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [by, setBy] = useState<"days" | "until">("days");
  const [days, setDays] = useState<number | null>(null);
  const [untilDate, setUntilDate] = useState("");
  const [reason, setReason] = useState("");
  const { done, settle } = useDone<ExtendQuote>(onDone);
  // Exactly one of the two, as the hub wants it; the same one for the quote and the write.
  const to = by === "days" ? (days ? { days } : undefined) : ISO_DATE.test(untilDate.trim()) ? { untilDate: untilDate.trim() } : undefined;
  const { quote, error } = useQuote<ExtendQuote>(
    to ? () => api.GET("/bo/members/{id}/vip/extend/quote", { params: { path: { id: memberId }, query: to } }) : undefined,
    JSON.stringify([memberId, to]),
  );
  const confirm = async (key: string) => {
    if (!to || !quote) return undefined;
    return settle(await api.POST("/bo/members/{id}/vip/extend", { params: keyed(memberId, key), body: { ...to, reason: reason.trim() } }));
  };
  return (
    <FormDialog
      title={t("vipExtendTitle")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!quote && reason.trim() !== ""}
      testId="vip-extend-dialog"
      result={
        done && (
          <span data-testid="vip-extend-result" data-ms={done.expiresAt ?? undefined}>
            {t("newExpiry")} {date(done.expiresAt)}
          </span>
        )
      }
    >
      <Form.Item label={t("extendBy")}>
        <Radio.Group value={by} onChange={(e) => setBy(e.target.value as "days" | "until")} data-testid="vip-extend-by">
          <Radio.Button value="days">{t("extendDays")}</Radio.Button>
          <Radio.Button value="until" data-testid="vip-extend-by-date">
            {t("extendUntil")}
          </Radio.Button>
        </Radio.Group>
      </Form.Item>
      {by === "days" ? (
        <Form.Item label={t("days")} required>
          <InputNumber value={days} onChange={setDays} precision={0} min={1} max={3660} style={{ width: 160 }} data-testid="vip-extend-days" />
        </Form.Item>
      ) : (
        <Form.Item label={t("untilDate")} required>
          <Input value={untilDate} onChange={(e) => setUntilDate(e.target.value)} placeholder="2025-01-31" maxLength={10} data-testid="vip-extend-until" />
        </Form.Item>
      )}
      <Reason value={reason} onChange={setReason} />
      <ErrorNote error={error} />
      {quote && (
        <QuoteList testId="vip-extend-quote">
          <Descriptions.Item label={t("currentExpiry")}>{date(quote.previousExpiresAt)}</Descriptions.Item>
          {dateItem(t("newExpiry"), "vip-extend-quote-expiry", quote.expiresAt)}
        </QuoteList>
      )}
    </FormDialog>
  );
}
