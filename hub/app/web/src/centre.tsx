// The member centre: points (yearly-clear warning), stored value, coupons, level and benefits, VIP/PLUS and plans, history, purchases and their e-receipts.
import { useEffect, useState } from "react";
import { call } from "./api.js";
import { day, t, useLang, when, yuan } from "./i18n.js";
import { Refusal } from "./join.js";
import { memberPath, useApp } from "./state.js";

interface Entry {
  id: number;
  at: number;
  reason: string;
  points?: number;
  totalFen?: number;
}
interface Purchase {
  saleId: string;
  at: number;
  totalFen: number;
  savingsFen: number;
  pointsEarned: number;
}
interface Receipt {
  saleId: string;
  at: number;
  lines: Array<{ name: string; qty: number; lineTotalFen: number; savingsFen: number }>;
  coupons: Array<{ name: string; amountFen: number }>;
  subtotalFen: number;
  savingsFen: number;
  totalFen: number;
  pointsEarned: number;
  tenders: Array<{ kind: string; amountFen: number }>;
  returns: Array<{ returnId: string; at: number; refundFen: number }>;
}

export function CentreScreen() {
  useLang();
  const app = useApp();
  const s = app.summary;
  const [kind, setKind] = useState<"points" | "balance" | "purchases">("purchases");
  const [entries, setEntries] = useState<Entry[]>([]);
  const [purchases, setPurchases] = useState<Purchase[]>([]);
  const [receipt, setReceipt] = useState<Receipt>();
  const [err, setErr] = useState<unknown>();

  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh the summary once when the screen opens
  useEffect(() => {
    void app.refresh().catch(setErr);
  }, []);
  useEffect(() => {
    setErr(undefined);
    const load =
      kind === "purchases"
        ? call<{ purchases: Purchase[] }>("GET", memberPath(app, "/app/purchases"), app.signer).then((r) => setPurchases(r.purchases))
        : call<{ entries: Entry[] }>("GET", memberPath(app, `/app/ledger?kind=${kind}`), app.signer).then((r) => setEntries(r.entries));
    load.catch(setErr);
  }, [kind, app]);

  const open = (saleId: string): void => {
    call<Receipt>("GET", memberPath(app, `/app/purchases/${encodeURIComponent(saleId)}`), app.signer).then(setReceipt, setErr);
  };

  if (receipt) return <ReceiptView r={receipt} onBack={() => setReceipt(undefined)} />;
  if (!s)
    return (
      <section className="panel">
        <p>{t("loading")}</p>
        <Refusal err={err} />
      </section>
    );
  return (
    <section className="panel centre">
      <div className="tiles">
        <div className="tile">
          <span>{t("points")}</span>
          <b data-testid="points">{s.points.balance.toLocaleString("en-US")}</b>
        </div>
        <div className="tile">
          <span>{t("balance")}</span>
          <b data-testid="balance">{yuan(s.storedValue.totalFen)}</b>
          <small>
            {t("principal")} {yuan(s.storedValue.principalFen)} · {t("bonus")} {yuan(s.storedValue.bonusFen)}
          </small>
        </div>
      </div>
      {s.points.yearlyClear?.action === "warn" && s.points.yearlyClear.clearOn ? (
        <p className="warn" role="alert">
          {t("yearlyWarn", { d: s.points.yearlyClear.clearOn })}
        </p>
      ) : null}
      <h2>
        {t("level")}: {s.member.levelName} · {s.member.cardClassName}
      </h2>
      {s.vip.active && s.vip.expiresAt ? <p>{t("vipUntil", { d: day(s.vip.expiresAt) })}</p> : null}
      {s.plus.active && s.plus.expiresAt ? <p>{t("plusActive", { d: day(s.plus.expiresAt) })}</p> : null}
      {s.member.levelBenefits ? (
        <p className="small">
          {t("benefits")}: {s.member.levelBenefits}
        </p>
      ) : null}
      <h2>{t("coupons")}</h2>
      {s.coupons.length === 0 ? <p className="small">{t("noCoupons")}</p> : null}
      <ul className="list">
        {s.coupons.map((c) => (
          <li key={c.instanceId}>
            {c.name} <small>{t("expires", { d: c.expiresOn })}</small>
          </li>
        ))}
      </ul>
      {s.vipPlans.length > 0 ? (
        <>
          <h2>{t("vipPlans")}</h2>
          <ul className="list">
            {s.vipPlans.map((p) => (
              <li key={p.planId}>
                {p.className} · {t("days", { n: p.periodDays })} · <b>{yuan(p.priceFen)}</b>
                {p.bonus && p.bonus.extraDays > 0 ? (
                  <small>
                    {" "}
                    +{t("days", { n: p.bonus.extraDays })}
                    {p.bonus.to ? ` (≤ ${p.bonus.to})` : ""}
                  </small>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className="tabs" role="tablist">
        {(["purchases", "points", "balance"] as const).map((k) => (
          <button type="button" key={k} role="tab" aria-selected={kind === k} className={kind === k ? "on" : ""} onClick={() => setKind(k)}>
            {k === "purchases" ? t("purchases") : k === "points" ? `${t("points")}${t("history")}` : `${t("balance")}${t("history")}`}
          </button>
        ))}
      </div>
      <Refusal err={err} />
      {kind === "purchases" ? (
        <ul className="list">
          {purchases.length === 0 ? <li className="small">{t("noPurchases")}</li> : null}
          {purchases.map((p) => (
            <li key={p.saleId}>
              <button type="button" className="link" onClick={() => open(p.saleId)} data-testid="purchase">
                {when(p.at)} · <b>{yuan(p.totalFen)}</b> {p.savingsFen > 0 ? <span className="save">-{yuan(p.savingsFen)}</span> : null} · +{p.pointsEarned}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <ul className="list">
          {entries.map((e) => (
            <li key={e.id}>
              {when(e.at)} · {e.reason} · <b>{kind === "points" ? (e.points ?? 0) : yuan(e.totalFen ?? 0)}</b>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ReceiptView({ r, onBack }: { r: Receipt; onBack: () => void }) {
  return (
    <section className="panel receipt">
      <button type="button" className="link" onClick={onBack}>
        ‹ {t("back")}
      </button>
      <h1>{t("receipt")}</h1>
      <p className="small">
        {when(r.at)} · {r.saleId}
      </p>
      <ul className="list">
        {r.lines.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a receipt's lines never move; the index is the line number
          <li key={i}>
            {l.name} ×{l.qty} <b>{yuan(l.lineTotalFen)}</b> {l.savingsFen > 0 ? <span className="save">-{yuan(l.savingsFen)}</span> : null}
          </li>
        ))}
        {r.coupons.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a receipt's coupons never move
          <li key={`c${i}`}>
            {c.name} <span className="save">-{yuan(c.amountFen)}</span>
          </li>
        ))}
      </ul>
      <p>
        <b data-testid="receipt-total">{yuan(r.totalFen)}</b> <span className="save">-{yuan(r.savingsFen)}</span> · +{r.pointsEarned}
      </p>
    </section>
  );
}
