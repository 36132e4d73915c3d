// The embedded MQTT broker (aedes, MQTT 3.1.1) for one-box installs and tests, with per-device auth and ACL.
//
// Kiosks log in with their device id and secret; the hub logs in as "hub" with a secret made at
// start. A kiosk may publish only its own upstream topics and subscribe only to its store's
// broadcasts and its own downstream topics (protocol/topics.ts), so it cannot publish as another
// kiosk, read another store's members or publish config. Retained messages live in memory: the hub
// republishes the latest config of every store when it starts.
import { createServer, type Server } from "node:net";
import { Aedes, type Client } from "aedes";
import type { Logger } from "../protocol/log.js";
import { kioskMayPublish, kioskMaySubscribe, type DeviceAddress } from "../protocol/topics.js";
import type { DeviceRegistry } from "./devices.js";
import { newSecret } from "./secrets.js";

export const HUB_USERNAME = "hub";

export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly identities = new WeakMap<Client, DeviceAddress | "hub">();
  /** The hub's own password for this run. */
  readonly hubSecret = newSecret();
  port = 0;

  constructor(
    private readonly devices: DeviceRegistry,
    private readonly log: Logger,
    private readonly listen: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const pw = password?.toString("utf8") ?? "";
        if (username === HUB_USERNAME && pw === this.hubSecret) {
          this.identities.set(client, "hub");
          return done(null, true);
        }
        const device = username ? this.devices.authenticate(username, pw) : undefined;
        if (!device) {
          this.log.warn({ clientId: client.id, username }, "broker: bad username or password");
          const err = Object.assign(new Error("bad username or password"), { returnCode: 4 as const });
          return done(err, false);
        }
        this.identities.set(client, device);
        done(null, true);
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
    const server = createServer((socket) => aedes.handle(socket));
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

  get url(): string {
    return `mqtt://${this.listen.host === "0.0.0.0" ? "127.0.0.1" : this.listen.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    const server = this.server;
    this.aedes = undefined;
    this.server = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
