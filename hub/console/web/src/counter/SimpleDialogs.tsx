// Counter operations without a price: points adjustment, block / unblock, revoking a lost phone's card key; each says what will happen and asks once.
import { useState } from "react";
import { Alert, Form, Input, InputNumber, Result } from "antd";
import { api } from "../api/client";
import { useT } from "../shared/i18n";
import { CounterDialog } from "./Dialog";
import { S } from "./strings";

export function Reason({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const t = useT(S);
  return (
    <Form.Item label={t("reason")} required>
      <Input.TextArea value={value} onChange={(e) => onChange(e.target.value)} maxLength={500} rows={2} data-testid="reason" />
    </Form.Item>
  );
}

export function PointsDialog({ memberId, points, onClose, onDone }: { memberId: string; points: number; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [delta, setDelta] = useState<number | null>(null);
  const [reason, setReason] = useState("");
  const [after, setAfter] = useState<number | undefined>();
  const confirm = async (key: string) => {
    if (!delta) return undefined;
    const { data, error } = await api.POST("/bo/members/{id}/points/adjustments", {
      params: { path: { id: memberId }, header: { "Idempotency-Key": key } },
      body: { points: delta, reason: reason.trim() },
    });
    if (error) return error;
    setAfter(data.pointsBalance);
    onDone();
    return undefined;
  };
  return (
    <CounterDialog
      title={t("points")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={!!delta && reason.trim() !== ""}
      done={after !== undefined}
      testId="points-dialog"
    >
      {after !== undefined ? (
        <Result status="success" title={t("done")} subTitle={`${t("newPoints")} ${after}`} />
      ) : (
        <Form layout="vertical">
          <Alert type="info" title={t("pointsNow", { n: points })} style={{ marginBottom: 12 }} />
          <Form.Item label={t("pointsDelta")} required>
            <InputNumber
              value={delta}
              onChange={setDelta}
              precision={0}
              min={-100_000_000}
              max={100_000_000}
              style={{ width: 200 }}
              data-testid="points-delta"
            />
          </Form.Item>
          <Reason value={reason} onChange={setReason} />
        </Form>
      )}
    </CounterDialog>
  );
}

export function BlockDialog({ memberId, blocked, onClose, onDone }: { memberId: string; blocked: boolean; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState(false);
  const confirm = async () => {
    const opts = { params: { path: { id: memberId } }, body: { reason: reason.trim() } };
    const { error } = blocked ? await api.POST("/bo/members/{id}/unblock", opts) : await api.POST("/bo/members/{id}/block", opts);
    if (error) return error;
    setDone(true);
    onDone();
    return undefined;
  };
  return (
    <CounterDialog
      title={blocked ? t("unblock") : t("block")}
      onClose={onClose}
      onConfirm={confirm}
      canConfirm={reason.trim() !== ""}
      done={done}
      danger={!blocked}
      testId="block-dialog"
    >
      {done ? (
        <Result status="success" title={t("done")} />
      ) : (
        <Form layout="vertical">
          {!blocked && <Alert type="warning" title={t("blockHint")} style={{ marginBottom: 12 }} />}
          <Reason value={reason} onChange={setReason} />
        </Form>
      )}
    </CounterDialog>
  );
}

export function CardKeyDialog({ memberId, onClose, onDone }: { memberId: string; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState(false);
  const confirm = async () => {
    const { error } = await api.DELETE("/bo/members/{id}/card-key", { params: { path: { id: memberId } }, body: { reason: reason.trim() } });
    if (error) return error;
    setDone(true);
    onDone();
    return undefined;
  };
  return (
    <CounterDialog title={t("revokeKey")} onClose={onClose} onConfirm={confirm} canConfirm={reason.trim() !== ""} done={done} danger testId="card-key-dialog">
      {done ? (
        <Result status="success" title={t("done")} />
      ) : (
        <Form layout="vertical">
          <Alert type="warning" title={t("revokeHint")} style={{ marginBottom: 12 }} />
          <Reason value={reason} onChange={setReason} />
        </Form>
      )}
    </CounterDialog>
  );
}
