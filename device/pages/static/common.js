// Helpers shared by the customer display and the staff page: money, DOM building, JSON calls, live views (EventSource).
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
