// Both services' config loaders: environment overrides on top of the file, and one line per bad field naming its variable.
import { describe, it, expect } from "vitest";
import { parseHubConfig } from "../hub/config.js";
import { parseKioskConfig } from "../device/config.js";

describe("the services' config loaders", () => {
  it("hub: HUB__... overrides the file; each bad field is listed", () => {
    const c = parseHubConfig({ chainId: "acme" }, { HUB__HTTP__PORT: "9191", HUB__LOG_LEVEL: "debug" });
    expect(c.http.port).toBe(9191);
    expect(c.logLevel).toBe("debug");
    expect(() => parseHubConfig({ chainId: "a b" }, { HUB__HTTP__PORT: "x", HUB__NOPE: "1" })).toThrow(
      /HUB__HTTP__PORT: expected a number[\s\S]*HUB__NOPE: no such setting[\s\S]*chainId: letters/,
    );
    expect(() => parseHubConfig({ mosquitto: { passwordFile: "/p", aclFile: "/a" } })).toThrow(/mosquitto: needs broker.mode "external"/);
  });

  it("kiosk: KIOSK__... overrides the file, ids stay strings", () => {
    const base = { chainId: "c", storeId: "s", deviceId: "d", hub: { url: "mqtt://x", username: "d", passwordFile: "/p", trustedKeys: {} } };
    const c = parseKioskConfig(base, { KIOSK__STORE_ID: "0042", KIOSK__HUB__PASSWORD_FILE: "/run/credentials/x/device-secret", KIOSK__SYSTEMD__NOTIFY: "off" });
    expect(c.storeId).toBe("0042");
    expect(c.hub.passwordFile).toBe("/run/credentials/x/device-secret");
    expect(c.systemd.notify).toBe("off");
    expect(() => parseKioskConfig(base, { KIOSK__HUB__URL: "http://x" })).toThrow(/hub\.url \(from KIOSK__HUB__URL\): must start with mqtt/);
  });
});
