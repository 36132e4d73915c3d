// The one-time-code senders' contract: the log driver keeps and logs what it sent; the webhook driver POSTs JSON to a real HTTP server and maps its answers and silence to SENDER_* codes.
import { describe, it, expect, afterEach } from "vitest";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { LogSender, SenderError, WebhookSender, senderFromEnv, type MessageSender } from "./messages.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function gateway(
  answer: (req: IncomingMessage, body: string) => number | "hang",
): Promise<{ url: string; seen: Array<{ auth: string | undefined; type: string | undefined; body: unknown }> }> {
  const seen: Array<{ auth: string | undefined; type: string | undefined; body: unknown }> = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, type: req.headers["content-type"], body: JSON.parse(body) as unknown });
      const status = answer(req, body);
      if (status === "hang") return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/sms`, seen };
}

const message = { to: "+8613800000001", text: "验证码 123456", purpose: "otp" as const };

async function code(sender: MessageSender): Promise<string | undefined> {
  try {
    await sender.send(message);
    return undefined;
  } catch (err) {
    return err instanceof SenderError ? err.code : "OTHER";
  }
}

describe("message senders", () => {
  it("log: keeps the message and writes it to the log", async () => {
    const sink = new MemoryLogSink();
    const s = new LogSender(createLogger("t", { destination: sink, level: "info" }));
    await s.send(message);
    expect(s.sent).toEqual([message]);
    expect(JSON.stringify(sink.lines)).toContain("123456");
  });

  it("webhook: POSTs the message as JSON with the bearer secret; 2xx is sent, 5xx and silence are unavailable, 4xx refused", async () => {
    let status: number | "hang" = 204;
    const gw = await gateway(() => status);
    // A generous timeout for the answers (the machine may be busy); a short one only to test silence.
    const s = new WebhookSender({ url: gw.url, secret: "s3cret", timeoutMs: 5000 });
    expect(await code(s)).toBeUndefined();
    expect(gw.seen[0]).toEqual({ auth: "Bearer s3cret", type: "application/json", body: message });
    status = 503;
    expect(await code(s)).toBe("SENDER_UNAVAILABLE");
    status = 400;
    expect(await code(s)).toBe("SENDER_REFUSED");
    status = "hang";
    expect(await code(new WebhookSender({ url: gw.url, timeoutMs: 300 }))).toBe("SENDER_UNAVAILABLE");
    expect(await code(new WebhookSender({ url: "http://127.0.0.1:1/nothing", timeoutMs: 300 }))).toBe("SENDER_UNAVAILABLE");
    expect(() => new WebhookSender({ url: "file:///etc/passwd" })).toThrow(SenderError);
  });

  it("is chosen from the environment", () => {
    expect(senderFromEnv({}).kind).toBe("log");
    expect(senderFromEnv({ HUB_MESSAGE_WEBHOOK_URL: "https://sms.example.com/send" }).kind).toBe("webhook");
  });
});
