// The frame of every counter operation: its idempotency key made when the dialog opens, what it lists (useLoad), the quote shown first (useQuote, QuoteList, usePlanSale), one confirm (useDone, keyed), the form then the hub's answer (FormDialog).
import { useEffect, useState } from "react";
import { Button, Descriptions, Form, Modal, Result, Space, Typography } from "antd";
import { api, newIdempotencyKey } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { date } from "../shared/format";
import { useT } from "../shared/i18n";
import { S } from "./strings";
import { type Answer, useLoad } from "../shared/useLoad";

export { useLoad };

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

/** The store's VIP plans and card classes. */
export const vipPlans = (storeId: string) => api.GET("/bo/vip/plans", { params: { query: { storeId } } });

/** A card class's name from a plans answer's classes (the id until they are there, or when unknown). */
export const classNamer =
  (classes: ReadonlyArray<{ id: string; name: string }> | undefined) =>
  (id: string): string =>
    classes?.find((c) => c.id === id)?.name ?? id;

/**
 * Runs `load` `delayMs` after the inputs (`inputs`: what the quote depends on, as one string) settle (at once for 0);
 * drops answers that arrive after they changed again. `setError` lets the dialog show another error in the same place until the inputs change.
 */
export function useQuote<Q>(load: (() => Promise<Answer<Q>>) | undefined, inputs: string, delayMs = 250) {
  const [quote, setQuote] = useState<Q | undefined>();
  const [error, setError] = useState<unknown>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `inputs` names what `load` depends on (a new closure each render)
  useEffect(() => {
    setQuote(undefined);
    setError(undefined);
    if (!load) return;
    let live = true;
    const run = () => void load().then(({ data, error: e }) => live && (data ? setQuote(data) : setError(e)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (delayMs > 0) timer = setTimeout(run, delayMs);
    else run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [inputs]);
  return { quote, error, setError };
}

type Method = "cash" | "card" | "wechat" | "alipay" | "balance" | "other";
/** The body of a plan's charge: the plan, the payment and the quoted price (the hub refuses a charge when the price changed since: PRICE_CHANGED). */
export type PlanCharge = { storeId: string; planId: string; payment: { method: Method }; expectedPriceFen: number };

/** What a plan-selling dialog asks the hub: its plans, the quote for a plan, and the charge of the confirmed quote. */
export interface PlanSale<P, Q, D> {
  memberId: string;
  storeId: string;
  onDone: () => void;
  plans: () => Promise<Answer<P>>;
  quote: (planId: string) => Promise<Answer<Q>>;
  charge: (key: string, body: PlanCharge, quote: Q) => Promise<Answer<D>>;
}

/**
 * A dialog that sells a plan: the store's plans, the chosen plan and the hub's quote for it (asked at once when the choice changes;
 * the plans' error shows where the quote's does), the payment method (cash first), and the confirm charging the quoted price once.
 */
export function usePlanSale<P, Q extends { priceFen: number }, D>(sale: PlanSale<P, Q, D>) {
  const { memberId, storeId } = sale;
  const [planId, setPlanId] = useState<string | undefined>();
  const [method, setMethod] = useState<Method>("cash");
  const { done, settle } = useDone<D>(sale.onDone);
  const { quote, error, setError } = useQuote<Q>(planId ? () => sale.quote(planId) : undefined, JSON.stringify([memberId, storeId, planId]), 0);
  const { data: plans } = useLoad(sale.plans, storeId, setError);
  const confirm = async (key: string) => {
    if (!planId || !quote) return undefined;
    return settle(await sale.charge(key, { storeId, planId, payment: { method }, expectedPriceFen: quote.priceFen }, quote));
  };
  return { plans, planId, setPlanId, quote, error, method, setMethod, done, confirm };
}

/** The route parameters of a write on a member: its id and the dialog's idempotency key. */
export const keyed = (memberId: string, key: string) => ({ path: { id: memberId }, header: { "Idempotency-Key": key } });

/** The hub's answer to the confirm: `settle` keeps it as `done` and tells the page (onDone), or hands back its error for CounterDialog to show. */
export function useDone<D>(onDone: () => void) {
  const [done, setDone] = useState<D | undefined>();
  const settle = ({ data, error }: Answer<D>): unknown => {
    if (error) return error;
    setDone(data);
    onDone();
    return undefined;
  };
  return { done, settle };
}

/** What every dialog on a member is given. */
export interface MemberDialogProps {
  memberId: string;
  storeId: string;
  onClose: () => void;
  onDone: () => void;
}

/** A CounterDialog whose body is a form until `result` is there (the hub's answer, the dialog done), then a success result showing it. */
export function FormDialog({ result, children, ...frame }: Omit<DialogProps, "done"> & { result: React.ReactNode }) {
  const t = useT(S);
  return (
    <CounterDialog {...frame} done={!!result}>
      {result ? <Result status="success" title={t("done")} subTitle={result} /> : <Form layout="vertical">{children}</Form>}
    </CounterDialog>
  );
}

/** The hub's quote as a bordered list of its items. */
export function QuoteList({ testId, children }: { testId: string; children: React.ReactNode }) {
  const t = useT(S);
  return (
    <Descriptions title={t("quote")} size="small" column={1} bordered data-testid={testId}>
      {children}
    </Descriptions>
  );
}

/** A quote's date item, its time in data-ms for the tests (a function, not a component: Descriptions reads its items' props). */
export const dateItem = (label: string, testId: string, ms: number | null | undefined) => (
  <Descriptions.Item label={label}>
    <span data-testid={testId} data-ms={ms ?? undefined}>
      {date(ms)}
    </span>
  </Descriptions.Item>
);

/** A purchase's kind in words (purchase, renewal, upgrade; else as the hub says it). */
export function useKindWord() {
  const t = useT(S);
  return (k: string) => (k === "purchase" ? t("purchase") : k === "renewal" ? t("renewal") : k === "upgrade" ? t("upgrade") : k);
}
