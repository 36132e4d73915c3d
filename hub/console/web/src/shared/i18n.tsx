// Language (zh-CN first, English switchable): a context, and `useT` for each feature's side-by-side strings.
import { createContext, useContext } from "react";

export type Lang = "zh" | "en";
/** Each feature's strings: key -> [中文, English]. */
export type Strings = Record<string, readonly [string, string]>;

export const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: "zh", setLang: () => undefined });

export function useLang(): Lang {
  return useContext(LangContext).lang;
}

/** `t("key")` in the current language; `{name}` placeholders filled from `vars`. */
export function useT<S extends Strings>(strings: S): (key: keyof S & string, vars?: Record<string, string | number>) => string {
  const lang = useLang();
  return (key, vars) => {
    const pair = strings[key];
    let s = pair ? pair[lang === "zh" ? 0 : 1] : key;
    for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

export function savedLang(): Lang {
  return localStorage.getItem("console.lang") === "en" ? "en" : "zh";
}
