// What the kiosk's remote commands act on, built from its real parts: the gate relay, the member follower, the receipt printer (last receipt kept for a reprint, a test page), a restart.
import type { ConfigContent } from "../protocol/messages.js";
import type { Clock } from "../protocol/clock.js";
import { EscPosBuilder } from "./printer/escpos.js";
import type { ReceiptData } from "./printer/types.js";
import type { CheckoutPrinter } from "./session/index.js";
import type { CommandActions } from "./commands.js";

/**
 * The checkout's printer with a memory: the last sale receipt it printed, for a remote reprint
 * (marked 补打 / REPRINT). Kept in memory only: after a restart there is nothing to reprint, and the
 * command says so (a receipt's data is personal; the ledger keeps the sale itself).
 */
export class LastReceiptPrinter implements CheckoutPrinter {
  private last: ReceiptData | undefined;
  constructor(private readonly inner: CheckoutPrinter) {}

  async print(receipt: ReceiptData): Promise<unknown> {
    const out = await this.inner.print(receipt);
    if ((receipt.kind ?? "sale") === "sale") this.last = receipt;
    return out;
  }

  /** Prints the last sale receipt again; its receipt number, or undefined when there is none. */
  async reprint(): Promise<string | undefined> {
    const r = this.last;
    if (!r) return undefined;
    await this.inner.print({ ...r, footer: [...(r.footer ?? []), "补打 REPRINT"].slice(-8) });
    return r.receiptNo;
  }
}

/** A short ESC/POS test page: kiosk, time, a line of Chinese and one of ASCII, cut. */
export function printerTestPage(deviceId: string, at: number): Buffer {
  return new EscPosBuilder()
    .init()
    .align("center")
    .bold(true)
    .line("打印测试 PRINTER TEST")
    .bold(false)
    .line(`${deviceId}  ${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC`)
    .line("中文 GBK：会员 积分 ￥12.30")
    .line("ASCII: 0123456789 ABCDEFGHIJ")
    .feed(2)
    .cut()
    .build();
}

export interface CommandActionParts {
  deviceId: string;
  clock: Clock;
  config: () => ConfigContent | undefined;
  indicator: { openGate(ms?: number): Promise<void>; hasGate?(): boolean };
  printer: LastReceiptPrinter;
  /** The printer's raw job path (ReceiptPrinter.printRaw), when the driver has one. */
  printRaw: ((job: Buffer, meta?: { receiptNo?: string }) => Promise<unknown>) | undefined;
  members: { requestMembers(): void; cursor(): number; count(): number };
  busy: () => string | undefined;
  restart: (() => void) | undefined;
}

export function commandActions(p: CommandActionParts): CommandActions {
  return {
    gateConfigured: () => p.indicator.hasGate?.() ?? true,
    openGate: (pulseMs) => p.indicator.openGate(pulseMs ?? p.config()?.device.gate.pulseMs),
    resyncMembers: () => {
      const cursor = p.members.cursor();
      p.members.requestMembers();
      return `member changes requested from cursor ${cursor} (${p.members.count()} members on this kiosk)`;
    },
    reprintLastReceipt: () => p.printer.reprint(),
    printerTest: async () => {
      if (!p.printRaw) throw new Error("this printer driver cannot print a test page");
      await p.printRaw(printerTestPage(p.deviceId, p.clock.now()), { receiptNo: "TEST" });
    },
    busy: p.busy,
    ...(p.restart ? { restart: p.restart } : {}),
  };
}
