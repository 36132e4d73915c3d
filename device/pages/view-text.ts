// The kiosk views' texts as zh-CN and English halves (the pages hide the English in a Chinese-only store, device.display.languages "zh"), the gate's words by refusal code, and the store's languages on the served page.
import type { ConfigContent } from "../../protocol/messages.js";
import type { DisplayLanguages } from "../../protocol/device-policy.js";
import type { GateResult } from "../gate.js";

/** One message, zh-CN first; `text` is both halves in one line (what the API answered before the halves existed). */
export interface Said {
  zh: string;
  en: string;
  text: string;
}

export function said(zh: string, en: string): Said {
  return { zh, en, text: `${zh} ${en}` };
}

/** A "中文 English" message (the session's cancel messages are written so): split where the English starts. */
export function splitZhEn(text: string): Said {
  const m = /^(.*?[^\x20-\x7e][^a-zA-Z]*?)\s+([A-Za-z].*)$/s.exec(text);
  return m ? said(m[1]!.trim(), m[2]!.trim()) : { zh: text, en: "", text };
}

/** More words on the end of a message, each half in its own language. */
export function append(s: Said, zh: string, en: string): Said {
  return said(s.zh + zh, s.en + en);
}

/** The store's languages for the kiosk's pages; "zh+en" before the first config arrives. */
export function languagesOf(config: ConfigContent | undefined): DisplayLanguages {
  return config?.device.display.languages ?? "zh+en";
}

/** A page as served: the store's languages on <html> (data-languages), so kiosk.css hides the English from the first paint. */
export function pageHtml(html: string, languages: DisplayLanguages): string {
  return html.replace(/<html lang="[^"]*"/, `<html lang="zh-CN" data-languages="${languages}"`);
}

/** What the gate says to the member, zh-CN by refusal code (the English is the gate's own message). */
export function gateSaid(g: Pick<GateResult, "admitted" | "code" | "message">, validUntil?: string): Said {
  if (g.admitted) return said(validUntil ? `欢迎光临！会员有效期至 ${validUntil}` : "欢迎光临！", g.message);
  const zh =
    {
      "not-paid": "此卡不是付费会员卡，请到服务台开通或续费",
      expired: `会员已于 ${validUntil ?? ""} 到期，请到服务台续费`,
      CARD_EXPIRED: `会员卡已于 ${validUntil ?? ""} 过期，请到服务台续期`,
      blocked: "该会员卡已停用，请到服务台咨询",
      "primary-invalid": "该副卡的主卡无效，请到服务台咨询",
      NO_CONFIG: "入口设备正在启动，请到服务台",
      MEMBER_UNKNOWN: "未找到该会员卡，请到服务台办理",
    }[g.code ?? ""] ?? "会员码无效，请在App刷新会员码后重试";
  return said(zh, g.message);
}
