// Tests for store-local calendar arithmetic and instant parsing.
import { describe, expect, it } from "vitest";
import { addDays, daysBetween, inDayWindow, isBirthday, isIsoDate, localDate, parseInstant, weekday } from "./time.js";

describe("time", () => {
  it("turns instants into store-local days", () => {
    const t = Date.UTC(2024, 4, 1, 16, 30); // 2024-05-02 00:30 in China
    expect(localDate(t, 480)).toBe("2024-05-02");
    expect(localDate(t, 0)).toBe("2024-05-01");
  });
  it.each([
    ["2024-05-01", 3],
    ["2024-05-05", 7],
    ["2024-05-06", 1],
    ["1970-01-01", 4],
  ])("weekday(%s) = %i", (d, w) => expect(weekday(d)).toBe(w));
  it("adds days across months and leap years", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-12-31", 1)).toBe("2024-01-01");
    expect(daysBetween("2024-01-01", "2025-01-01")).toBe(366);
  });
  it("validates dates", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2024-5-1")).toBe(false);
  });
  it.each([
    [{}, "2024-05-01", true],
    [{ weekdays: [6, 7] }, "2024-05-01", false],
    [{ weekdays: [6, 7] }, "2024-05-04", true],
    [{ weekdays: [6, 7], daysOfMonth: [1] }, "2024-05-01", true],
    [{ dates: ["2024-05-02"] }, "2024-05-02", true],
    [{ dates: ["2024-05-02"] }, "2024-05-03", false],
  ])("day window %j on %s = %s", (w, d, want) => expect(inDayWindow(d, w)).toBe(want));
  it("celebrates 29 February birthdays on 28 February in common years", () => {
    expect(isBirthday("02-29", "2023-02-28")).toBe(true);
    expect(isBirthday("02-29", "2024-02-28")).toBe(false);
    expect(isBirthday("05-20", "2024-05-01", "month")).toBe(true);
  });
  it("parses instants only with an explicit offset", () => {
    expect(parseInstant("2024-05-01T10:00:00+08:00", 480)).toBe(Date.UTC(2024, 4, 1, 2));
    expect(parseInstant("2024-05-01T02:00:00Z", 480)).toBe(Date.UTC(2024, 4, 1, 2));
    expect(parseInstant("2024-05-01", 480)).toBe(Date.UTC(2024, 3, 30, 16));
    expect(parseInstant(123, 480)).toBe(123);
    expect(() => parseInstant("2024-05-01T10:00:00", 480)).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "at" }));
  });
});
