// Headshot upload from the phone camera (under the store's rules) and family cards (create, share by QR/link, cancel).
import { useEffect, useRef, useState } from "react";
import QRCode from "qrcode";
import { call } from "./api.js";
import { t, useLang } from "./i18n.js";
import { Refusal } from "./join.js";
import { memberPath, useApp } from "./state.js";

/** Shrinks a camera photo to at most 800 px and a JPEG under the hub's 512 KiB limit. */
async function shrink(file: File): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 800 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d")!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  for (const q of [0.85, 0.7, 0.5]) {
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/jpeg", q));
    if (blob && blob.size <= 500 * 1024) return new Uint8Array(await blob.arrayBuffer());
  }
  throw Object.assign(new Error("too large"), { info: { error: "TOO_LARGE", message: "too large" } });
}

export function HeadshotScreen() {
  useLang();
  const app = useApp();
  const [err, setErr] = useState<unknown>();
  const [done, setDone] = useState(false);
  const rule = app.summary?.headshot.rule ?? "upload";
  const pick = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    setErr(undefined);
    try {
      const bytes = await shrink(file);
      await call("PUT", memberPath(app, "/headshot"), app.signer, { raw: bytes, contentType: "image/jpeg" });
      setDone(true);
      await app.refresh();
    } catch (e) {
      setErr(e);
    }
  };
  return (
    <section className="panel">
      <h1>{t("headshot")}</h1>
      <p data-testid="headshot-rule">{rule === "upload" ? t("headshotUpload") : rule === "replace-today" ? t("headshotReplace") : t("headshotLocked")}</p>
      {rule !== "locked" ? (
        <label className="button">
          {t("takePhoto")}
          <input type="file" accept="image/jpeg,image/png" capture="user" hidden onChange={(e) => void pick(e.target.files?.[0])} />
        </label>
      ) : null}
      {done ? <p aria-live="polite">{t("uploaded")}</p> : null}
      <Refusal err={err} />
    </section>
  );
}

interface Card {
  cardRef: string;
  state: "pending" | "active" | "cancelled";
  shareExpiresAt: number;
  memberId: string | null;
}

function ShareQr({ link }: { link: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) void QRCode.toCanvas(canvas.current, link, { margin: 4, width: Math.min(window.innerWidth - 64, 320) });
  }, [link]);
  return (
    <div className="qr-frame">
      <canvas ref={canvas} data-testid="share-qr" data-link={link} />
      <p className="small break">{link}</p>
    </div>
  );
}

export function FamilyScreen() {
  useLang();
  const app = useApp();
  const [cards, setCards] = useState<Card[]>([]);
  const [max, setMax] = useState(0);
  const [shared, setShared] = useState<string>();
  const [err, setErr] = useState<unknown>();
  const load = (): void => {
    call<{ cards: Card[]; maxPerMember: number }>("GET", memberPath(app, "/secondary-cards"), app.signer).then((r) => {
      setCards(r.cards);
      setMax(r.maxPerMember);
    }, setErr);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once when the screen opens
  useEffect(load, []);
  const [busy, setBusy] = useState(false);
  const create = async (): Promise<void> => {
    setErr(undefined);
    setBusy(true);
    try {
      const key = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
      const r = await call<{ shareCode: string }>("POST", memberPath(app, "/secondary-cards"), app.signer, {
        body: {},
        headers: { "idempotency-key": `app-${key}` },
      });
      setShared(`${location.origin}/app/#/share/${r.shareCode}`);
      load();
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async (cardRef: string): Promise<void> => {
    if (!window.confirm(t("confirmCancel"))) return;
    setErr(undefined);
    try {
      await call("DELETE", `/bo/secondary-cards/${encodeURIComponent(cardRef)}`, app.signer, { body: { reason: "cancelled by the member in the app" } });
      load();
    } catch (e) {
      setErr(e);
    }
  };
  const live = cards.filter((c) => c.state !== "cancelled");
  const canCreate = app.summary?.secondaryCards.canCreate ?? false;
  return (
    <section className="panel">
      <h1>{t("family")}</h1>
      {/* Until the summary arrives nobody is told they are not a VIP. */}
      {!app.summary ? <p>{t("loading")}</p> : !canCreate ? <p>{t("familyNone")}</p> : <p>{t("familyLimit", { n: live.length, m: max })}</p>}
      {canCreate && live.length < max ? (
        <button type="button" disabled={busy} aria-busy={busy} onClick={() => void create()}>
          {t("familyCreate")}
        </button>
      ) : null}
      {shared ? (
        <>
          <p>{t("familyShare")}</p>
          <ShareQr link={shared} />
        </>
      ) : null}
      <ul className="list">
        {cards.map((c) => (
          <li key={c.cardRef}>
            {c.cardRef} · {t(`state_${c.state}`)}
            {c.state !== "cancelled" ? (
              <button type="button" className="link danger" onClick={() => void cancel(c.cardRef)}>
                {t("familyCancel")}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <Refusal err={err} />
    </section>
  );
}
