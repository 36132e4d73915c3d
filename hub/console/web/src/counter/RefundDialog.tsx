// Refund of a top-up (managers): what was paid and given, what is left to refund, how bonus and points go back; the hub's answer says the cash returned.
import { useState } from "react";
import { Alert, Descriptions, Form, Input, Result } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { fenOf, yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import { CounterDialog } from "./Dialog";
import { EXTERNAL_METHODS, PaymentSelect } from "./TopUpDialog";
import { S } from "./strings";

type TopUp = operations["getMembersIdTopUps"]["responses"][200]["content"]["application/json"]["topUps"][number];
type Method = "cash" | "card" | "wechat" | "alipay" | "other";

export function RefundDialog({ topUp, onClose, onDone }: { topUp: TopUp; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [method, setMethod] = useState<Method>(EXTERNAL_METHODS.find((m) => m === topUp.payment.method) ?? "cash");
  const [result, setResult] = useState<Record<string, unknown> | undefined>();
  const principalFen = text.trim() === "" ? undefined : fenOf(text);
  const left = topUp.principalFen - topUp.refunded.principalFen;
  const confirm = async (key: string) => {
    const { data, error } = await api.POST("/bo/top-ups/{topUpId}/refund", {
      params: { path: { topUpId: topUp.topUpId }, header: { "Idempotency-Key": key } },
      body: { reason: reason.trim(), payment: { method }, ...(principalFen ? { principalFen } : {}) },
    });
    if (error) return error;
    setResult(data);
    onDone();
    return undefined;
  };
  const cashBack = result && typeof result.cashBackFen === "number" ? result.cashBackFen : undefined;
  return (
    <CounterDialog
      title={t("refund")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={reason.trim() !== "" && (text.trim() === "" || principalFen !== undefined)}
      done={!!result}
      danger
      testId="refund-dialog"
    >
      {result ? (
        <Result status="success" title={t("done")} subTitle={cashBack !== undefined ? `${t("cashBack")} ${yuan(cashBack)}` : undefined} />
      ) : (
        <Form layout="vertical">
          <Descriptions size="small" column={1} bordered style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t("principal")}>{yuan(topUp.principalFen)}</Descriptions.Item>
            <Descriptions.Item label={t("bonus")}>{yuan(topUp.bonusFen)}</Descriptions.Item>
            <Descriptions.Item label={t("refundable")}>{yuan(left)}</Descriptions.Item>
          </Descriptions>
          <Alert type="info" title={t("refundHint")} style={{ marginBottom: 12 }} />
          <Form.Item label={t("refundPrincipal")}>
            <Input value={text} onChange={(e) => setText(e.target.value)} prefix="¥" inputMode="decimal" maxLength={12} data-testid="refund-amount" />
          </Form.Item>
          <Form.Item label={t("payment")}>
            <PaymentSelect value={method} onChange={setMethod} methods={EXTERNAL_METHODS} />
          </Form.Item>
          <Form.Item label={t("reason")} required>
            <Input.TextArea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} rows={2} data-testid="reason" />
          </Form.Item>
        </Form>
      )}
    </CounterDialog>
  );
}
