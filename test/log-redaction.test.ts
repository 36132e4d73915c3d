// Structured JSON logs for journald: personal data (names, phones, photos) and secrets never reach a line; levels filter.
import { describe, it, expect } from "vitest";
import { createLogger, ns, MemoryLogSink } from "../runtime/log.js";
import { LogLevelCounter } from "../hub/metrics.js";

describe("service logs", () => {
  it("redact personal data and secrets at any depth a module logs them", () => {
    const sink = new MemoryLogSink();
    const log = ns(createLogger("hub", { destination: sink }), "hub:members");
    log.info({ member: { memberId: "M1", name: "王小明", phone: "13800000000", headshot: "data:image/png;base64,AAAA" } }, "member created");
    log.info({ phone: "13800000000", password: "pw", token: "mkp_x", secret: "s" }, "top level");
    log.warn({ device: { name: "Kiosk owner", secret: "s2" } }, "nested");
    const text = sink.lines.map((l) => JSON.stringify(l)).join("\n");
    for (const leaked of ["王小明", "13800000000", "AAAA", "mkp_x", '"pw"', '"s"', "Kiosk owner", "s2"]) expect(text).not.toContain(leaked);
    expect(text).toContain("M1");
    expect(sink.lines[0]).toMatchObject({ service: "hub", ns: "hub:members", msg: "member created", member: { name: "[redacted]", phone: "[redacted]" } });
  });

  it("honour the configured level and count warnings and errors for the metrics", () => {
    const sink = new MemoryLogSink();
    const counter = new LogLevelCounter();
    const log = createLogger("kiosk", { level: "warn", destination: counter.wrap(sink) });
    log.info("dropped");
    log.warn("kept");
    log.error({ code: "X" }, "kept too");
    expect(sink.messages()).toEqual(["kept", "kept too"]);
    expect(counter.counts).toEqual({ warn: 1, error: 1 });
  });
});
