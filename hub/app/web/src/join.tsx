// Getting a card onto the phone: the welcome screen (counter activation or phone sign-up), the activation link, and a family card's share link.
import { useEffect, useState } from "react";
import { HubCallError, call, offsetFrom, probeOffset, redeemActivation } from "./api.js";
import { makeKey, saveCard, type StoredCard } from "./keystore.js";
import { refusal, t, useLang } from "./i18n.js";

function Refusal({ err }: { err: unknown }) {
  if (!err) return null;
  const info = err instanceof HubCallError ? err.info : { error: "INTERNAL", message: String(err) };
  const r = refusal(info);
  return (
    <p className="error" role="alert">
      {r.text} <small>({r.code})</small>
    </p>
  );
}
export { Refusal };

async function keep(
  result: { memberId: string; cardId: string; name: string },
  key: Awaited<ReturnType<typeof makeKey>>,
  offsetMs: number,
): Promise<StoredCard> {
  const card: StoredCard = {
    memberId: result.memberId,
    cardId: result.cardId,
    name: result.name,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    extractable: key.extractable,
    clockOffsetMs: offsetMs,
  };
  await saveCard(card);
  return card;
}

/** #/activate/<token>: makes the key, enrols it with the token, keeps the card. */
export function ActivateScreen({ token, onCard }: { token: string; onCard: (c: StoredCard) => void }) {
  useLang();
  const [err, setErr] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setErr(undefined);
    try {
      const key = await makeKey();
      const sentAt = Date.now();
      const res = await redeemActivation(token, key.publicKey, key.privateKey);
      onCard(await keep(res, key, offsetFrom(res.serverTime, sentAt) ?? 0));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: one activation attempt per token (retry is a button)
  useEffect(() => {
    void run();
    // Once per token.
  }, [token]);
  return (
    <section className="panel">
      <h1>{t("appName")}</h1>
      {busy ? <p aria-live="polite">{t("activating")}</p> : null}
      <Refusal err={err} />
      {err && !busy ? (
        <button type="button" onClick={() => void run()}>
          {t("retry")}
        </button>
      ) : null}
    </section>
  );
}

/** #/share/<code>: a family member activates the card a VIP shared. */
export function ShareScreen({ shareCode, onCard }: { shareCode: string; onCard: (c: StoredCard) => void }) {
  useLang();
  const [name, setName] = useState("");
  const [err, setErr] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setErr(undefined);
    try {
      const key = await makeKey();
      const offset = await probeOffset();
      const res = await call<{ memberId: string; cardId: string }>("POST", "/bo/secondary-cards/activate", undefined, {
        body: { shareCode, name: name.trim(), cardPublicKey: key.publicKey },
      });
      onCard(await keep({ ...res, name: name.trim() }, key, offset));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel">
      <h1>{t("shareTitle")}</h1>
      <label>
        {t("yourName")}
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="name" />
      </label>
      <button type="button" disabled={busy || name.trim() === ""} onClick={() => void submit()}>
        {t("shareActivate")}
      </button>
      <Refusal err={err} />
    </section>
  );
}

/** No card yet: how to get one (counter QR, or phone sign-up at a store whose poster link set the store). */
export function WelcomeScreen({ storeId, onCard }: { storeId: string | null; onCard: (c: StoredCard) => void }) {
  useLang();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [sent, setSent] = useState<string>();
  const [err, setErr] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const guard = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setErr(undefined);
    try {
      await fn();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  const send = () => guard(async () => setSent((await call<{ sentTo: string }>("POST", "/bo/app/otp", undefined, { body: { phone, storeId } })).sentTo));
  const verify = () =>
    guard(async () => {
      const res = await call<{ token: string }>("POST", "/bo/app/otp/verify", undefined, {
        body: { phone, code, ...(name.trim() ? { name: name.trim() } : {}) },
      });
      const key = await makeKey();
      const sentAt = Date.now();
      const act = await redeemActivation(res.token, key.publicKey, key.privateKey);
      onCard(await keep(act, key, offsetFrom(act.serverTime, sentAt) ?? 0));
    });
  return (
    <section className="panel">
      <h1>{t("welcomeTitle")}</h1>
      <p>{t("welcomeCounter")}</p>
      <h2>{t("welcomeJoin")}</h2>
      {storeId ? (
        <>
          <label>
            {t("phone")}
            <input inputMode="tel" value={phone} onChange={(e) => setPhone(e.target.value.replace(/[^0-9+]/g, ""))} maxLength={16} autoComplete="tel" />
          </label>
          <button type="button" disabled={busy || phone.length < 6} onClick={() => void send()}>
            {t("sendCode")}
          </button>
          {sent ? <p aria-live="polite">{t("codeSent", { p: sent })}</p> : null}
          <label>
            {t("code6")}
            <input inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))} autoComplete="one-time-code" />
          </label>
          <label>
            {t("yourName")}
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="name" />
          </label>
          <button type="button" disabled={busy || code.length !== 6} onClick={() => void verify()}>
            {t("verify")}
          </button>
        </>
      ) : (
        <p>{t("noStore")}</p>
      )}
      <Refusal err={err} />
    </section>
  );
}
