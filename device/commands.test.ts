// The kiosk's remote-command handler: what it runs, what it refuses (signature, address, expiry, unknown type, arguments, rate), and that a redelivery is not run twice.
import { describe, expect, it } from "vitest";
import { generateKeyPair, signEnvelope } from "../protocol/signing.js";
import { CommandResultSchema, KioskCommandSchema, type CommandResult } from "../protocol/commands.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { KioskCommands, type CommandActions } from "./commands.js";
import { LastReceiptPrinter, printerTestPage } from "./command-actions.js";

const HQ = generateKeyPair();
const ROGUE = generateKeyPair();
const address = { chainId: "acme", storeId: "s1", deviceId: "k1" };
const log = createLogger("commands-test", { destination: new MemoryLogSink(), level: "info" });

function world(over: Partial<CommandActions> = {}) {
  let now = 1_000_000;
  const sent: CommandResult[] = [];
  const calls: string[] = [];
  const actions: CommandActions = {
    gateConfigured: () => true,
    openGate: async (ms) => void calls.push(`gate:${ms ?? "default"}`),
    resyncMembers: () => {
      calls.push("resync");
      return "requested";
    },
    reprintLastReceipt: async () => {
      calls.push("reprint");
      return "R-1";
    },
    printerTest: async () => void calls.push("test"),
    busy: () => undefined,
    restart: () => void calls.push("restart"),
    ...over,
  };
  const h = new KioskCommands({
    address,
    trustedKeys: { hq1: HQ.publicKey },
    clock: { now: () => now },
    log,
    actions,
    send: (r) => {
      sent.push(CommandResultSchema.parse(r));
      return true;
    },
  });
  let n = 0;
  const command = (fields: Record<string, unknown> = {}, key = HQ, keyId = "hq1"): Buffer =>
    Buffer.from(
      JSON.stringify(
        signEnvelope(key, keyId, {
          commandId: `c${++n}`,
          type: "open-gate",
          args: {},
          ...address,
          issuedAt: now,
          expiresAt: now + 30_000,
          ...fields,
        }),
      ),
    );
  return { h, sent, calls, command, advance: (ms: number) => (now += ms), last: () => sent.at(-1) };
}

describe("command schema", () => {
  it("takes an unknown type (so the kiosk can refuse it in words) but not a lifetime over 15 minutes or a bad id", () => {
    const base = { commandId: "c1", type: "open-gate", chainId: "a", storeId: "s", deviceId: "k", issuedAt: 1, expiresAt: 1000 };
    expect(KioskCommandSchema.parse(base).args).toEqual({});
    expect(KioskCommandSchema.safeParse({ ...base, type: "format-disk" }).success).toBe(true);
    expect(KioskCommandSchema.safeParse({ ...base, expiresAt: 1 + 16 * 60_000 }).success).toBe(false);
    expect(KioskCommandSchema.safeParse({ ...base, expiresAt: 1 }).success).toBe(false);
    expect(KioskCommandSchema.safeParse({ ...base, commandId: "../x" }).success).toBe(false);
    expect(KioskCommandSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    expect(KioskCommandSchema.safeParse({ ...base, args: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, i])) }).success).toBe(false);
  });
});

describe("kiosk commands", () => {
  it("opens the gate through the relay and answers ok; a redelivery gets the same answer without a second pulse", async () => {
    const w = world();
    const msg = w.command({ args: { pulseMs: 400 } });
    await w.h.onMessage(msg);
    expect(w.calls).toEqual(["gate:400"]);
    expect(w.last()).toMatchObject({ commandId: "c1", outcome: "ok", code: "OK" });
    await w.h.onMessage(msg);
    expect(w.calls).toEqual(["gate:400"]);
    expect(w.sent).toHaveLength(2);
    expect(w.sent[1]).toEqual(w.sent[0]);
  });

  it("refuses, with an answer, what it must not run", async () => {
    const w = world();
    await w.h.onMessage(w.command({}, ROGUE, "hq1"));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "SIGNATURE_INVALID" });
    await w.h.onMessage(w.command({}, ROGUE, "rogue"));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "SIGNATURE_INVALID" });
    await w.h.onMessage(w.command({ deviceId: "k2" }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "NOT_FOR_THIS_KIOSK" });
    await w.h.onMessage(w.command({ issuedAt: 900_000, expiresAt: 999_999 }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "EXPIRED" });
    await w.h.onMessage(w.command({ issuedAt: 1_300_000, expiresAt: 1_310_000 }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "CLOCK_SKEW" });
    await w.h.onMessage(w.command({ type: "format-disk" }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "UNKNOWN_COMMAND" });
    expect(w.last()?.message).toContain("format-disk");
    await w.h.onMessage(w.command({ args: { pulseMs: 60_000 } }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "BAD_ARGUMENTS" });
    await w.h.onMessage(w.command({ type: "printer-test", args: { copies: 3 } }));
    expect(w.last()).toMatchObject({ outcome: "refused", code: "BAD_ARGUMENTS" });
    expect(w.calls).toEqual([]);
    // Unreadable: no answer possible, nothing run.
    const before = w.sent.length;
    await w.h.onMessage(Buffer.from("not json"));
    await w.h.onMessage(Buffer.alloc(5000, 0x20));
    expect(w.sent).toHaveLength(before);
    expect(w.h.stats.dropped).toBe(2);
  });

  it("a forged answer for a real command id does not replace the real answer", async () => {
    const w = world();
    const real = w.command({ commandId: "same" });
    await w.h.onMessage(real);
    await w.h.onMessage(w.command({ commandId: "same" }, ROGUE));
    await w.h.onMessage(real);
    expect(w.sent.map((s) => s.code)).toEqual(["OK", "SIGNATURE_INVALID", "OK"]);
    expect(w.calls).toEqual(["gate:default"]);
  });

  it("answers failed when the driver fails, and for a gate that is not there", async () => {
    const broken = world({
      openGate: async () => {
        throw new Error("GPIO_IO_FAILED: line 17");
      },
    });
    await broken.h.onMessage(broken.command());
    expect(broken.last()).toMatchObject({ outcome: "failed", code: "GATE_FAILED" });
    expect(broken.last()?.message).toContain("GPIO_IO_FAILED");
    const none = world({ gateConfigured: () => false });
    await none.h.onMessage(none.command());
    expect(none.last()).toMatchObject({ outcome: "failed", code: "GATE_NOT_CONFIGURED" });
    expect(none.calls).toEqual([]);
  });

  it("runs resync, reprint, printer test and restart; refuses a restart during a sale and where nothing would start it again", async () => {
    const w = world();
    for (const type of ["resync-members", "reprint-last-receipt", "printer-test"]) await w.h.onMessage(w.command({ type }));
    expect(w.sent.map((s) => [s.outcome, s.code])).toEqual([
      ["ok", "OK"],
      ["ok", "OK"],
      ["ok", "OK"],
    ]);
    expect(w.sent[1]?.message).toBe("receipt R-1 printed again");
    const none = world({ reprintLastReceipt: async () => undefined });
    await none.h.onMessage(none.command({ type: "reprint-last-receipt" }));
    expect(none.last()).toMatchObject({ outcome: "failed", code: "NO_RECEIPT" });
    const busy = world({ busy: () => "a sale is in progress" });
    await busy.h.onMessage(busy.command({ type: "restart-service" }));
    expect(busy.last()).toMatchObject({ outcome: "refused", code: "KIOSK_BUSY" });
    const bare = world({ restart: undefined });
    await bare.h.onMessage(bare.command({ type: "restart-service" }));
    expect(bare.last()).toMatchObject({ outcome: "failed", code: "RESTART_UNAVAILABLE" });
    await w.h.onMessage(w.command({ type: "restart-service" }));
    expect(w.last()).toMatchObject({ outcome: "ok", message: "restarting" });
    await new Promise((r) => setTimeout(r, 400));
    expect(w.calls.at(-1)).toBe("restart");
  });

  it("refuses beyond 20 commands a minute, and takes them again a minute later", async () => {
    const w = world();
    for (let i = 0; i < 22; i++) await w.h.onMessage(w.command({ type: "resync-members" }));
    expect(w.sent.filter((s) => s.code === "RATE_LIMITED")).toHaveLength(2);
    w.advance(61_000);
    await w.h.onMessage(w.command({ type: "resync-members" }));
    expect(w.last()?.code).toBe("OK");
  });
});

describe("last receipt printer", () => {
  it("keeps the last sale receipt (not a return slip) and reprints it marked as such", async () => {
    const printed: Array<{ receiptNo: string; footer?: string[] }> = [];
    const p = new LastReceiptPrinter({ print: async (r) => void printed.push({ receiptNo: r.receiptNo, ...(r.footer ? { footer: r.footer } : {}) }) });
    expect(await p.reprint()).toBeUndefined();
    const receipt = { receiptNo: "S-1", footer: ["谢谢"] } as unknown as Parameters<typeof p.print>[0];
    await p.print(receipt);
    await p.print({ ...receipt, receiptNo: "RET-1", kind: "return" });
    expect(await p.reprint()).toBe("S-1");
    expect(printed.at(-1)).toEqual({ receiptNo: "S-1", footer: ["谢谢", "补打 REPRINT"] });
  });

  it("makes an ESC/POS test page that starts with ESC @ and ends with a cut", () => {
    const job = printerTestPage("k1", 0);
    expect([...job.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    expect([...job.subarray(-4, -2)]).toEqual([0x1d, 0x56]);
  });
});
