// The embedded MQTT broker (aedes, MQTT 3.1.1) for one-box installs and tests, with per-device auth and ACL.
//
// Kiosks log in with their device id and secret; the hub logs in as "hub" with a secret made at
// start. A kiosk may publish only its own upstream topics and subscribe only to its store's
// broadcasts and its own downstream topics (protocol/topics.ts), so it cannot publish as another
// kiosk, read another store's members or publish config. Its client id is bound to its device id,
// so it cannot take over another kiosk's session. Logins are rate-limited and hashed off the event loop. Retained messages live in memory: the hub
// republishes the latest config of every store when it starts.
import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type Client } from "aedes";
import type { Logger } from "../runtime/log.js";
import { systemClock } from "../protocol/clock.js";
import { kioskMayPublish, kioskMaySubscribe, type DeviceAddress } from "../protocol/topics.js";
import type { DeviceRegistry } from "./devices.js";
import { KIOSK_CLIENT_PREFIX, kioskClientId, mayUseClientId } from "../protocol/client-ids.js";
import { LoginGuard } from "./login-guard.js";
import { newSecret, secretsEqual } from "./secrets.js";

export const HUB_USERNAME = "hub";
export interface EmbeddedBrokerOptions {
  /** Login rate limits (tests pass small ones). */
  guard?: LoginGuard;
}

export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  /** Every accepted connection, also one that has not sent CONNECT yet (aedes knows only logged-in clients). */
  private readonly sockets = new Set<Socket>();
  private readonly identities = new WeakMap<Client, DeviceAddress | "hub">();
  /** The hub's own password for this run. */
  readonly hubSecret = newSecret();
  port = 0;

  constructor(
    private readonly devices: DeviceRegistry,
    private readonly log: Logger,
    private readonly listen: { host: string; port: number },
    opts: EmbeddedBrokerOptions = {},
  ) {
    this.guard = opts.guard ?? new LoginGuard(systemClock);
  }

  private readonly guard: LoginGuard;

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const refuse = (returnCode: 2 | 4 | 5, why: string): void => {
          this.log.warn({ clientId: client.id, username, why }, returnCode === 4 ? "broker: bad username or password" : "broker: login refused");
          done(Object.assign(new Error(why), { returnCode }), false);
        };
        void this.login(client, username, password).then(
          (r) => (r.ok ? done(null, true) : refuse(r.returnCode, r.why)),
          (err: unknown) => {
            this.log.error({ err, clientId: client.id }, "broker: login check failed");
            refuse(5, "login check failed");
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        const who = this.identities.get(client);
        if (who === "hub") return done(null);
        if (who && kioskMayPublish(who, packet.topic)) return done(null);
        this.log.warn({ clientId: client.id, topic: packet.topic }, "broker: publish refused");
        done(new Error("not authorized"));
      },
      authorizeSubscribe: (client, sub, done) => {
        const who = this.identities.get(client);
        if (who === "hub") return done(null, sub);
        if (who && kioskMaySubscribe(who, sub.topic)) return done(null, sub);
        this.log.warn({ clientId: client.id, topic: sub.topic }, "broker: subscribe refused");
        // A null subscription answers with a failure code (0x80) instead of dropping the connection.
        done(null, null);
      },
    });
    aedes.on("clientError", (client, err) => this.log.debug({ clientId: client.id, err: err.message }, "broker: client error"));
    this.aedes = aedes;
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listen.port, this.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const addr = server.address();
    this.port = typeof addr === "object" && addr ? addr.port : this.listen.port;
    this.log.info({ host: this.listen.host, port: this.port }, "embedded MQTT broker listening");
  }

  /**
   * One login: rate limits per source address and per username first, then the password
   * (asynchronous scrypt, dummy hash for unknown ids), then the client id. A kiosk may use only its
   * own client id (`kiosk-<id>`, or `kiosk-<id>/<anything>` for tools), so its credentials cannot
   * take over another kiosk's session; the hub may use any id outside the kiosks' namespace.
   */
  private async login(
    client: Client,
    username: string | undefined,
    password: Readonly<Buffer> | undefined,
  ): Promise<{ ok: true } | { ok: false; returnCode: 2 | 4 | 5; why: string }> {
    const user = typeof username === "string" ? username : "";
    const pw = password ? Buffer.from(password).toString("utf8") : "";
    const source = (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? "unknown";
    if (user === "" || user.length > 128) return { ok: false, returnCode: 4, why: "bad username or password" };
    const gate = this.guard.begin(source, user);
    if (!gate.ok) return { ok: false, returnCode: 5, why: "too many failed logins: retry later" };
    if (user === HUB_USERNAME) {
      const ok = secretsEqual(pw, this.hubSecret);
      gate.done(ok);
      if (!ok) return { ok: false, returnCode: 4, why: "bad username or password" };
      if (client.id.startsWith(KIOSK_CLIENT_PREFIX)) return { ok: false, returnCode: 2, why: "client id reserved for kiosks" };
      this.identities.set(client, "hub");
      return { ok: true };
    }
    const device = await this.devices.authenticate(user, pw);
    gate.done(device !== undefined);
    if (!device) return { ok: false, returnCode: 4, why: "bad username or password" };
    if (!mayUseClientId(device.deviceId, client.id)) return { ok: false, returnCode: 2, why: `client id must be ${kioskClientId(device.deviceId)}` };
    this.identities.set(client, device);
    return { ok: true };
  }

  get url(): string {
    return `mqtt://${this.listen.host === "0.0.0.0" ? "127.0.0.1" : this.listen.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    const server = this.server;
    this.aedes = undefined;
    this.server = undefined;
    // Stop accepting first: a kiosk reconnecting while aedes closes would otherwise hold the server
    // open until aedes' connect timeout (30 s) drops a socket that never got to log in.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }
}
