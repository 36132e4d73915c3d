// Sending one remote command to a kiosk: pick it, read what will happen, send once (one idempotency key per dialog), then watch the kiosk's answer until it comes or the command expires.
import { useEffect, useMemo, useState } from "react";
import { Alert, Button, Modal, Select, Space, Typography } from "antd";
import { api, newIdempotencyKey } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { useT } from "../shared/i18n";
import { S } from "./strings";

export type CommandRow = operations["getKioskCommandsCommandId"]["responses"][200]["content"]["application/json"];
type CommandType = "open-gate" | "resync-members" | "reprint-last-receipt" | "restart-service" | "printer-test";
export const COMMANDS: readonly CommandType[] = ["open-gate", "resync-members", "reprint-last-receipt", "restart-service", "printer-test"];

export const STATUS_COLOUR: Record<string, string> = { sent: "processing", ok: "success", failed: "error", refused: "warning", expired: "default" };

/** The words for an answer: the code's meaning and next step, the kiosk's own message after it. */
export function useOutcomeWords() {
  const t = useT(S);
  return (c: Pick<CommandRow, "status" | "code" | "message">): string => {
    if (c.status === "sent") return t("waiting");
    const key = `r.${c.code ?? "FAILED"}` as keyof typeof S;
    return key in S ? t(key) : t("r.FAILED");
  };
}

export function CommandDialog({ deviceId, online, onClose }: { deviceId: string; online: boolean; onClose: () => void }) {
  const t = useT(S);
  const words = useOutcomeWords();
  const key = useMemo(() => newIdempotencyKey(), []);
  const [type, setType] = useState<CommandType>("open-gate");
  const [row, setRow] = useState<CommandRow | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  // Follow the answer once a command is out.
  useEffect(() => {
    if (row?.status !== "sent") return;
    const timer = setInterval(() => {
      void api.GET("/bo/kiosk-commands/{commandId}", { params: { path: { commandId: row.commandId } } }).then(({ data }) => data && setRow(data));
    }, 1000);
    return () => clearInterval(timer);
  }, [row]);

  const send = async () => {
    setBusy(true);
    setError(undefined);
    const { data, error: e } = await api.POST("/bo/kiosks/{device}/commands", {
      params: { path: { device: deviceId }, header: { "Idempotency-Key": key } },
      body: { type },
    });
    setBusy(false);
    if (e) return setError(e);
    setRow(data);
  };

  const outcomeType = !row ? "info" : row.status === "ok" ? "success" : row.status === "sent" ? "info" : row.status === "expired" ? "warning" : "error";
  return (
    <Modal
      open
      title={`${t("command")} · ${deviceId}`}
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={onClose} data-testid="command-close">
            {t("cancel")}
          </Button>
          <Button
            type="primary"
            danger={type === "open-gate" || type === "restart-service"}
            disabled={!!row}
            loading={busy}
            onClick={() => void send()}
            data-testid="command-send"
          >
            {t("send")}
          </Button>
        </Space>
      }
      data-testid="command-dialog"
    >
      <Space direction="vertical" style={{ width: "100%" }}>
        <Select
          style={{ width: "100%" }}
          value={type}
          disabled={!!row}
          onChange={setType}
          options={COMMANDS.map((c) => ({ value: c, label: t(`c.${c}`) }))}
          data-testid="command-type"
        />
        <Typography.Paragraph type="secondary" data-testid="command-description">
          {t(`d.${type}`)}
        </Typography.Paragraph>
        {!online && !row && <Alert type="warning" showIcon title={t("waitingOffline")} />}
        <ErrorNote error={error} />
        {row && (
          <Alert
            type={outcomeType}
            showIcon
            role="status"
            aria-live="polite"
            data-testid="command-outcome"
            data-status={row.status}
            title={`${t(`s.${row.status}`)} · ${words(row)}`}
            description={
              <small style={{ color: "#8c8c8c" }}>
                {row.code ?? ""} {row.message ?? ""}
              </small>
            }
          />
        )}
      </Space>
    </Modal>
  );
}
