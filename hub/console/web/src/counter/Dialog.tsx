// The frame of every counter operation: its idempotency key made when the dialog opens, the quote shown first (useQuote), one confirm, the hub's answer after.
import { useEffect, useState } from "react";
import { Button, Modal, Space, Typography } from "antd";
import { newIdempotencyKey } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { useT } from "../shared/i18n";
import { S } from "./strings";

export interface DialogProps {
  title: string;
  onClose: () => void;
  /** Runs the operation with the dialog's key; resolves to an error answer, or undefined when done. */
  onConfirm: (idempotencyKey: string) => Promise<unknown>;
  canConfirm: boolean;
  /** The quote, the form, or (after success) the result. */
  children: React.ReactNode;
  done: boolean;
  danger?: boolean;
  testId: string;
}

export function CounterDialog({ title, onClose, onConfirm, canConfirm, children, done, danger, testId }: DialogProps) {
  const t = useT(S);
  const [key] = useState(newIdempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const e = await onConfirm(key);
      if (e !== undefined) setError(e);
    } catch (x) {
      setError(x ?? new Error("network"));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      width={560}
      maskClosable={false}
      data-testid={testId}
      footer={
        <Space>
          {done ? (
            <Button type="primary" onClick={onClose} data-testid="dialog-close">
              {t("close")}
            </Button>
          ) : (
            <>
              <Button onClick={onClose}>{t("cancel")}</Button>
              <Button type="primary" danger={danger} loading={busy} disabled={!canConfirm} onClick={() => void confirm()} data-testid="dialog-confirm">
                {t("confirm")}
              </Button>
            </>
          )}
        </Space>
      }
    >
      <ErrorNote error={error} />
      {children}
      <Typography.Paragraph type="secondary" style={{ fontSize: 11, marginTop: 12, marginBottom: 0 }}>
        {t("idem", { key: key.slice(8, 16) })}
      </Typography.Paragraph>
    </Modal>
  );
}

/** Runs `load` 250 ms after the inputs (`inputs`: what the quote depends on, as one string) settle; drops answers that arrive after they changed again. */
export function useQuote<Q>(load: (() => Promise<{ data?: Q; error?: unknown }>) | undefined, inputs: string) {
  const [quote, setQuote] = useState<Q | undefined>();
  const [error, setError] = useState<unknown>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `inputs` names what `load` depends on (a new closure each render)
  useEffect(() => {
    setQuote(undefined);
    setError(undefined);
    if (!load) return;
    let live = true;
    const timer = setTimeout(() => {
      void load().then(({ data, error: e }) => live && (data ? setQuote(data) : setError(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [inputs]);
  return { quote, error };
}
