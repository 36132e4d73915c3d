// Pluggable senders of messages to members (one-time codes, and the outbox's receipts and warnings): `log` (demo and tests) and an HTTP webhook (an SMS or WeChat gateway behind it).
//
// A provider plugs in by implementing MessageSender, or with no code at all by answering the webhook:
// the hub POSTs `{"to": "+86...", "text": "...", "purpose": "otp"}` as JSON (with
// `Authorization: Bearer <secret>` when configured) and treats any 2xx answer within the timeout as sent.
// Outbox messages (hub/notify/outbox.ts) also carry `memberId`, `notificationId` (sent as the
// `Idempotency-Key` header too: a provider drops a repeat) and `data` (the figures, for a template
// provider such as WeChat template messages); `to` is null when the member has no phone.
import type { Logger } from "../../runtime/log.js";
import type { NotificationKind } from "../notify/outbox.js";

export interface OutgoingMessage {
  /** The phone number as the member typed it (validated); null for an outbox message to a member without a phone. */
  to: string | null;
  /** The words, zh-CN first with English. */
  text: string;
  purpose: "otp" | NotificationKind;
  /** Outbox messages: the member, the notification (also the webhook's Idempotency-Key) and the template figures. */
  memberId?: string;
  notificationId?: string;
  data?: Record<string, unknown>;
}

export interface MessageSender {
  readonly kind: string;
  /** Resolves once the provider accepted the message; rejects with a SenderError otherwise. */
  send(message: OutgoingMessage): Promise<void>;
}

export class SenderError extends Error {
  constructor(
    readonly code: "SENDER_UNAVAILABLE" | "SENDER_REFUSED",
    message: string,
  ) {
    super(message);
    this.name = "SenderError";
  }
}

/** Writes every message to the hub log and keeps the last ones (demo, tests). Never use it with real members' phones. */
export class LogSender implements MessageSender {
  readonly kind = "log";
  readonly sent: OutgoingMessage[] = [];
  constructor(private readonly log?: Logger) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.sent.push(message);
    if (this.sent.length > 100) this.sent.shift();
    this.log?.info({ to: message.to, purpose: message.purpose, text: message.text }, "member app: message (log sender)");
  }
}

/** POSTs each message as JSON to a provider's webhook. */
export class WebhookSender implements MessageSender {
  readonly kind = "webhook";
  constructor(private readonly o: { url: string; secret?: string; timeoutMs?: number; fetch?: typeof fetch }) {
    const u = new URL(o.url);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new SenderError("SENDER_REFUSED", "the webhook must be an http(s) URL");
  }

  async send(message: OutgoingMessage): Promise<void> {
    const doFetch = this.o.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(this.o.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.o.secret ? { authorization: `Bearer ${this.o.secret}` } : {}),
          ...(message.notificationId ? { "idempotency-key": message.notificationId } : {}),
        },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
    } catch (err) {
      throw new SenderError("SENDER_UNAVAILABLE", `the message gateway did not answer: ${(err as Error).message}`);
    }
    await res.body?.cancel();
    if (!res.ok) throw new SenderError(res.status >= 500 ? "SENDER_UNAVAILABLE" : "SENDER_REFUSED", `the message gateway answered ${res.status}`);
  }
}

/** From the environment: HUB_MESSAGE_WEBHOOK_URL (+ HUB_MESSAGE_WEBHOOK_SECRET) selects the webhook, otherwise the log driver. */
export function senderFromEnv(env: NodeJS.ProcessEnv, log?: Logger): MessageSender {
  const url = env.HUB_MESSAGE_WEBHOOK_URL;
  if (url) return new WebhookSender({ url, ...(env.HUB_MESSAGE_WEBHOOK_SECRET ? { secret: env.HUB_MESSAGE_WEBHOOK_SECRET } : {}) });
  return new LogSender(log);
}
