// Tests for the topic layout and the per-device permissions.
import { describe, it, expect } from "vitest";
import { deviceTopic, storeTopic, parseDeviceTopic, kioskMayPublish, kioskMaySubscribe, allDevicesFilter } from "./topics.js";

const k1 = { chainId: "acme", storeId: "s01", deviceId: "k1" };
const k2 = { chainId: "acme", storeId: "s01", deviceId: "k2" };
const other = { chainId: "acme", storeId: "s02", deviceId: "k9" };

describe("topics", () => {
  it("builds and parses device topics", () => {
    const t = deviceTopic(k1, "members/req");
    expect(t).toBe("mk/v1/acme/s01/k1/members/req");
    expect(parseDeviceTopic(t)).toEqual({ ...k1, channel: "members/req" });
    expect(parseDeviceTopic("mk/v1/acme/s01/k1/nope")).toBeUndefined();
    expect(parseDeviceTopic("other/v1/acme/s01/k1/ledger")).toBeUndefined();
    expect(allDevicesFilter("acme", "ledger", "hub")).toBe("$share/hub/mk/v1/acme/+/+/ledger");
  });

  it("refuses wildcards and separators in segments", () => {
    expect(() => deviceTopic({ ...k1, deviceId: "+" }, "ledger")).toThrow(/invalid topic segment/);
    expect(() => storeTopic({ chainId: "a/b", storeId: "s" }, "members")).toThrow(/invalid topic segment/);
  });

  it("lets a kiosk publish only its own upstream channels", () => {
    expect(kioskMayPublish(k1, deviceTopic(k1, "ledger"))).toBe(true);
    expect(kioskMayPublish(k1, deviceTopic(k2, "ledger"))).toBe(false);
    expect(kioskMayPublish(k1, deviceTopic(k1, "ack"))).toBe(false);
    expect(kioskMayPublish(k1, deviceTopic(k1, "config"))).toBe(false);
    expect(kioskMayPublish(k1, deviceTopic(k1, "auth/res"))).toBe(false);
    expect(kioskMayPublish(k1, deviceTopic(k1, "auth/req"))).toBe(true);
  });

  it("lets a kiosk read its store's broadcasts and its own channels only", () => {
    expect(kioskMaySubscribe(k1, deviceTopic(k1, "config"))).toBe(true);
    expect(kioskMaySubscribe(k1, deviceTopic(k2, "config"))).toBe(false);
    expect(kioskMaySubscribe(k1, storeTopic(k1, "members"))).toBe(true);
    expect(kioskMaySubscribe(k1, deviceTopic(k1, "ack"))).toBe(true);
    expect(kioskMaySubscribe(k1, storeTopic(other, "members"))).toBe(false);
    expect(kioskMaySubscribe(k1, deviceTopic(k2, "ack"))).toBe(false);
    expect(kioskMaySubscribe(k1, "mk/v1/#")).toBe(false);
  });
});
