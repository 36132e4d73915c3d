// The device policy's display languages (device.display.languages): "zh" or "zh+en", "zh+en" when absent, anything else refused.
import { describe, expect, it } from "vitest";
import { DevicePolicySchema } from "./device-policy.js";

describe("device.display.languages", () => {
  it('defaults to "zh+en" (Chinese with English) when the store sets nothing, or sets display without languages', () => {
    expect(DevicePolicySchema.parse({}).display).toEqual({ languages: "zh+en" });
    expect(DevicePolicySchema.parse({ display: {} }).display).toEqual({ languages: "zh+en" });
  });

  it('accepts "zh" (Chinese only) and "zh+en"', () => {
    expect(DevicePolicySchema.parse({ display: { languages: "zh" } }).display.languages).toBe("zh");
    expect(DevicePolicySchema.parse({ display: { languages: "zh+en" } }).display.languages).toBe("zh+en");
  });

  it("refuses any other value, and unknown keys next to it", () => {
    for (const languages of ["en", "zh-CN", "ZH", "en+zh", "", null, 1, ["zh"]]) {
      const r = DevicePolicySchema.safeParse({ display: { languages } });
      expect(r.success, JSON.stringify(languages)).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["display", "languages"]);
    }
    expect(DevicePolicySchema.safeParse({ display: { languages: "zh", font: "big" } }).success).toBe(false);
  });
});
