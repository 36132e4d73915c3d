// Helpers shared by the customer display and the staff pages: money, DOM building, zh/en labels (bi, say, the store's languages), JSON calls, live views (EventSource).
/** Builds children without null/false (replaceChildren(null) would print "null"). */
export const kids = (...xs) => xs.flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false);

export const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;

/** el("div", { class: "x", onclick }, "text", child...) — text is always set as text, never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status, code: data.error, reason: data.reason });
  return data;
}

/** Follows a server-sent view stream; calls render(view) on each one (EventSource reconnects by itself). */
export function live(path, render, onStatus) {
  const source = new EventSource(path);
  source.addEventListener("view", (e) => render(JSON.parse(e.data)));
  source.addEventListener("open", () => onStatus && onStatus(true));
  source.addEventListener("error", () => onStatus && onStatus(false));
  return source;
}

export function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/**
 * The store's languages (device.display.languages, in every view and on <html data-languages> as served):
 * "zh" hides every .en element (kiosk.css) and say() leaves the English out; "zh+en" shows both.
 * Placeholders and aria-labels cannot hold an element: inputs with data-zh / data-en get theirs from say().
 */
export function setLanguages(languages) {
  const root = document.documentElement;
  const value = languages === "zh" ? "zh" : "zh+en";
  root.lang = "zh-CN";
  if (root.dataset.languages !== value) root.dataset.languages = value;
  for (const node of document.querySelectorAll("[data-zh]")) {
    const text = say(node.dataset.zh, node.dataset.en ?? "");
    if (node instanceof HTMLInputElement) node.placeholder = text;
    else node.setAttribute("aria-label", text);
  }
}

export const zhOnly = () => document.documentElement.dataset.languages === "zh";

/** A label in zh-CN, then its English half in a span.en (hidden in a Chinese-only store): "会员 Member" is bi("会员", "Member"). */
export function bi(zh, en) {
  return en ? [zh, el("span", { class: "en" }, ` ${en}`)] : [zh];
}

/** The same as one string, for what cannot hold an element (a title, a placeholder, an aria-label). */
export function say(zh, en) {
  return zhOnly() || !en ? zh : `${zh} ${en}`;
}
