// The customer display's last screen: the receipt summary of a paid sale, or a claim ticket (QR, expiry) to pay at a staffed till.
import { bi, el, kids, yuan } from "./common.js";

/** The finished sale's receipt summary, or the claim ticket with its QR for the staffed till. */
export function doneView(d) {
  return kids(
    el("h2", {}, d.kind === "sale" ? bi("小票", "Receipt") : bi("付款单", "Claim ticket")),
    el(
      "div",
      { class: "totals" },
      el("span", {}, bi("单号", "Receipt no.")),
      el("span", { class: "num", "data-testid": "receipt-no" }, d.receiptNo),
      el("span", { class: "big" }, d.kind === "sale" ? bi("已付", "Paid") : bi("柜台应付", "To pay at the counter")),
      el("span", { class: "big num", "data-testid": "done-total" }, yuan(d.totalFen)),
      d.tenders.map((t) => [el("span", {}, t.label), el("span", { class: "num" }, yuan(t.amountFen))]),
      d.kind === "sale" ? [el("span", {}, bi("获得积分", "Points earned")), el("span", { class: "num" }, `+${d.pointsEarned}`)] : null,
    ),
    d.kind === "claim" && d.claimQr
      ? el(
          "div",
          { class: "claim", "data-testid": "claim" },
          svgQr(d.claimQr),
          el(
            "div",
            {},
            el("div", { class: "zh" }, "请到人工收银台出示此码或小票付款"),
            el("div", { class: "en" }, "Show this code or the ticket at a staffed till to pay"),
            el("div", { "data-testid": "claim-expires" }, bi("有效期至", "Valid until"), ` ${d.claimExpires}`),
            el("div", { class: "muted" }, bi(`付款后获得 ${d.pointsEarned} 积分；未付款不计积分`, `Points (${d.pointsEarned}) are added once paid`)),
          ),
        )
      : null,
  );
}

function svgQr(q) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `-2 -2 ${q.size + 4} ${q.size + 4}`);
  svg.setAttribute("width", "260");
  svg.setAttribute("height", "260");
  svg.setAttribute("data-testid", "claim-qr");
  const bg = document.createElementNS(ns, "rect");
  for (const [k, val] of [
    ["x", -2],
    ["y", -2],
    ["width", q.size + 4],
    ["height", q.size + 4],
    ["fill", "#fff"],
  ])
    bg.setAttribute(k, String(val));
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", q.path);
  p.setAttribute("fill", "#000");
  svg.append(bg, p);
  return svg;
}
