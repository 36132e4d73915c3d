// The console's top level: language and locale, session load, setup / sign-in / link screens, then the signed-in shell.
import { useCallback, useEffect, useState } from "react";
import { App as AntApp, Button, ConfigProvider, Spin } from "antd";
import zhCN from "antd/locale/zh_CN";
import enUS from "antd/locale/en_US";
import { api, setCsrfToken, setOnUnauthorized } from "./api/client";
import { LangContext, savedLang, type Lang } from "./shared/i18n";
import { useHashPath, go } from "./shared/route";
import { SessionContext, type Person, type SessionState } from "./shared/session";
import { LinkSignIn, Setup, SignIn, type SignedIn } from "./auth/SignIn";
import { Shell } from "./layout/Shell";
import { S } from "./auth/strings";

type Loaded = { setupNeeded: boolean; user: Person | null };

export function App() {
  const [lang, setLangState] = useState<Lang>(savedLang);
  const setLang = (l: Lang) => {
    localStorage.setItem("console.lang", l);
    document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
    setLangState(l);
  };
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [stores, setStores] = useState<string[]>([]);
  const [storeId, setStoreIdState] = useState<string>(() => localStorage.getItem("console.store") ?? "");
  const path = useHashPath();

  const load = useCallback(async () => {
    const { data } = await api.GET("/bo/auth/session");
    setCsrfToken(data?.csrfToken ?? null);
    setLoaded({ setupNeeded: data?.setupNeeded ?? false, user: data?.user ?? null });
    if (data?.user) {
      const s = await api.GET("/bo/stores");
      const list = s.data?.stores ?? [];
      setStores(list);
      setStoreIdState((cur) => (list.includes(cur) ? cur : (list[0] ?? "")));
    }
  }, []);

  useEffect(() => {
    setOnUnauthorized(() => setLoaded((l) => (l ? { ...l, user: null } : l)));
    void load();
  }, [load]);

  const onSignedIn = useCallback(
    (s: SignedIn) => {
      setCsrfToken(s.csrfToken);
      void load();
    },
    [load],
  );

  const langSwitch = (
    <Button size="small" type="link" onClick={() => setLang(lang === "zh" ? "en" : "zh")} data-testid="lang-switch">
      {S.lang[lang === "zh" ? 0 : 1]}
    </Button>
  );

  let body: React.ReactNode;
  if (!loaded) body = <Spin style={{ display: "block", margin: "30vh auto" }} />;
  else if (path[0] === "setup" && path[1] && loaded.setupNeeded) body = <Setup token={path[1]} onSignedIn={onSignedIn} langSwitch={langSwitch} />;
  else if (path[0] === "link" && path[1]) body = <LinkSignIn token={path[1]} onSignedIn={onSignedIn} langSwitch={langSwitch} />;
  else if (!loaded.user) body = <SignIn onSignedIn={onSignedIn} langSwitch={langSwitch} setupNeeded={loaded.setupNeeded} />;
  else {
    const session: SessionState = {
      user: loaded.user,
      stores,
      storeId,
      setStoreId: (s) => {
        localStorage.setItem("console.store", s);
        setStoreIdState(s);
      },
      signOut: () => {
        void api.POST("/bo/auth/sign-out").finally(() => {
          setCsrfToken(null);
          go("signin");
          setLoaded({ setupNeeded: false, user: null });
        });
      },
    };
    body = (
      <SessionContext.Provider value={session}>
        <Shell path={path} langSwitch={langSwitch} />
      </SessionContext.Provider>
    );
  }

  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <ConfigProvider locale={lang === "zh" ? zhCN : enUS} theme={{ token: { colorPrimary: "#1677ff", borderRadius: 6 } }} componentSize="middle">
        <AntApp>{body}</AntApp>
      </ConfigProvider>
    </LangContext.Provider>
  );
}
