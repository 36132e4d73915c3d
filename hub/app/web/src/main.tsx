// The member app's shell: hash routes (activate, share, join, code, centre, photo, family), the card from IndexedDB, the hub clock, online state, service worker.
import { StrictMode, useCallback, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { HubCallError, call, offsetFrom, type Signer } from "./api.js";
import { forgetCard, loadCard, saveCard, type StoredCard } from "./keystore.js";
import { setLang, t, useLang } from "./i18n.js";
import { AppContext, type AppState, type Summary } from "./state.js";
import { CodeScreen } from "./code.js";
import { CentreScreen } from "./centre.js";
import { HeadshotScreen, FamilyScreen } from "./extras.js";
import { ActivateScreen, Refusal, ShareScreen, WelcomeScreen } from "./join.js";
import "./style.css";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const f = () => setHash(location.hash);
    window.addEventListener("hashchange", f);
    return () => window.removeEventListener("hashchange", f);
  }, []);
  return hash;
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener("online", on);
    window.removeEventListener("offline", off);
    window.addEventListener("offline", off);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
    };
  }, []);
  return online;
}

const go = (route: string) => {
  location.hash = route;
};

function App() {
  const lang = useLang();
  const hash = useHash();
  const online = useOnline();
  const [card, setCard] = useState<StoredCard | null | undefined>(undefined);
  const [summary, setSummary] = useState<Summary>();
  const [refusal, setRefusal] = useState<unknown>();

  useEffect(() => {
    loadCard().then(
      (c) => {
        setCard(c ?? null);
        if (c?.summary) setSummary(c.summary as Summary);
      },
      () => setCard(null),
    );
  }, []);

  const signer = useMemo<Signer | undefined>(() => (card ? { cardId: card.cardId, key: card.privateKey, offsetMs: card.clockOffsetMs } : undefined), [card]);

  const refresh = useCallback(async () => {
    if (!card || !signer) return;
    const sentAt = Date.now();
    try {
      const s = await call<Summary>("GET", `/bo/members/${encodeURIComponent(card.memberId)}/app/summary`, signer);
      const offset = offsetFrom(s.serverTime, sentAt) ?? card.clockOffsetMs;
      const next = { ...card, name: s.member.name, clockOffsetMs: offset, summary: s };
      await saveCard(next);
      setSummary(s);
      setRefusal(undefined);
      if (Math.abs(offset - card.clockOffsetMs) > 2000) setCard(next);
    } catch (err) {
      if (err instanceof HubCallError && err.info.status !== 0) setRefusal(err);
      if (!(err instanceof HubCallError)) throw err;
    }
  }, [card, signer]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh once per card and whenever the network comes back, not on every summary
  useEffect(() => {
    if (card && online) void refresh();
  }, [card?.memberId, online]);

  const onCard = (c: StoredCard): void => {
    setCard(c);
    setSummary(undefined);
    go("#/code");
  };

  const route = hash.replace(/^#\/?/, "");
  const [head, arg] = [route.split("/")[0] ?? "", decodeURIComponent(route.split("/").slice(1).join("/"))];
  if (head === "join" && arg) localStorage.setItem("store", arg);

  let body: React.ReactNode;
  if (!window.isSecureContext) body = <p className="error panel">{t("needHttps")}</p>;
  else if (head === "activate" && arg) body = <ActivateScreen token={arg} onCard={onCard} />;
  else if (head === "share" && arg) body = <ShareScreen shareCode={arg} onCard={onCard} />;
  else if (card === undefined) body = <p className="panel">{t("loading")}</p>;
  else if (card === null || !signer) body = <WelcomeScreen storeId={localStorage.getItem("store")} onCard={onCard} />;
  else {
    const state: AppState = {
      card,
      signer,
      summary,
      online,
      refresh,
      forget: async () => {
        await forgetCard();
        setCard(null);
      },
    };
    const screen = head === "me" ? <CentreScreen /> : head === "photo" ? <HeadshotScreen /> : head === "family" ? <FamilyScreen /> : <CodeScreen />;
    const tab = head === "me" || head === "photo" || head === "family" ? head : "code";
    body = (
      <AppContext.Provider value={state}>
        {refusal ? (
          <div className="panel">
            <Refusal err={refusal} />
            <button type="button" className="link danger" onClick={() => window.confirm(t("confirmSignOut")) && void state.forget()}>
              {t("signOut")}
            </button>
          </div>
        ) : null}
        {screen}
        <nav className="tabbar">
          {(
            [
              ["code", t("showCode")],
              ["me", t("centre")],
              ["photo", t("headshot")],
              ["family", t("family")],
            ] as const
          ).map(([r, label]) => (
            <a key={r} href={`#/${r}`} className={tab === r ? "on" : ""} aria-current={tab === r ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </AppContext.Provider>
    );
  }
  return (
    <main>
      <header>
        <b>{t("appName")}</b>
        {!online ? (
          <span className="offline" role="status">
            {t("offline")}
          </span>
        ) : null}
        <button type="button" className="link" onClick={() => setLang(lang === "zh" ? "en" : "zh")}>
          {t("langSwitch")}
        </button>
      </header>
      {body}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => undefined));
}
