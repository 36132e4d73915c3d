// The live code screen: a full-width QR refreshed well inside the kiosk's window, countdown, brightness hint, card number and who the card belongs to; works offline.
import { useEffect, useRef, useState } from "react";
import QRCode from "qrcode";
import { hubNow, liveCode } from "./api.js";
import { day, t, useLang } from "./i18n.js";
import { useApp } from "./state.js";

/** Refresh period: 15 s, or a quarter of the window when the store's window is shorter. */
export function refreshSeconds(windowSeconds: number): number {
  return Math.max(5, Math.min(15, Math.floor(windowSeconds / 4)));
}

const groups = (cardId: string): string => cardId.replace(/(.{4})(?=.)/g, "$1 ");

export function CodeScreen() {
  useLang();
  const app = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const windowSeconds = app.summary?.codeWindowSeconds ?? 60;
  const period = refreshSeconds(windowSeconds);
  const [code, setCode] = useState("");
  const [left, setLeft] = useState(period);
  const [error, setError] = useState("");

  useEffect(() => {
    let stop = false;
    let madeAt = 0;
    const tick = async (): Promise<void> => {
      const now = hubNow(app.signer.offsetMs);
      if (now - madeAt >= period * 1000) {
        madeAt = now;
        try {
          const next = await liveCode(app.signer, now);
          if (!stop) setCode(next);
        } catch (err) {
          if (!stop) setError(String((err as Error).message));
        }
      }
      if (!stop) setLeft(Math.max(0, Math.ceil((madeAt + period * 1000 - now) / 1000)));
    };
    void tick();
    const timer = setInterval(() => void tick(), 500);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [app.signer, period]);

  useEffect(() => {
    if (!code || !canvas.current) return;
    const width = Math.min(window.innerWidth - 32, 480);
    void QRCode.toCanvas(canvas.current, code, { errorCorrectionLevel: "M", margin: 4, width, color: { dark: "#000000", light: "#ffffff" } });
  }, [code]);

  // Keep the screen on while the code is shown (where the browser allows it).
  useEffect(() => {
    let lock: { release: () => Promise<void> } | undefined;
    const nav = navigator as Navigator & { wakeLock?: { request: (k: "screen") => Promise<{ release: () => Promise<void> }> } };
    nav.wakeLock?.request("screen").then(
      (l) => (lock = l),
      () => undefined,
    );
    return () => void lock?.release();
  }, []);

  const s = app.summary;
  return (
    <section className="code" aria-label={t("showCode")}>
      <p className="hint">☀ {t("brightness")}</p>
      <div className="qr-frame">
        <canvas ref={canvas} data-testid="member-qr" data-code={code} role="img" aria-label={t("showCode")} />
      </div>
      <div className="countdown" aria-live="polite">
        <div className="bar" style={{ width: `${(left / period) * 100}%` }} />
        <span>{t("refreshIn", { s: left })}</span>
      </div>
      <p className="card-no">
        {t("cardNo")} <b data-testid="card-no">{groups(app.card.cardId)}</b>
      </p>
      <p className="who">
        <b>{app.card.name}</b>
        {s ? ` · ${s.member.levelName} · ${s.member.cardClassName}` : ""}
      </p>
      {s?.vip.active && s.vip.expiresAt ? <p className="vip">{t("vipUntil", { d: day(s.vip.expiresAt) })}</p> : null}
      <p className="small">{t("validFor", { s: windowSeconds })}</p>
      <details className="small">
        <summary>{t("codeText")}</summary>
        <code className="break">{code}</code>
      </details>
      {app.card.extractable ? (
        <p className="warn" role="note">
          {t("extractable")}
        </p>
      ) : null}
      {error ? <p className="error">{error}</p> : null}
    </section>
  );
}
