// ESC/POS command builder (Epson syntax) on node-escpos: GBK text, GS k 73 Code 128 with length and {B, GS ( k QR, cut, status.
//
// node-escpos (@node-escpos/core) renders the job: initialise, alignment, character size, text
// encoded by its iconv, feeds and the cut go through its Printer into a buffer (no device: the
// transports in transports/ move the bytes). Where it emits wrong bytes we write Epson's command
// ourselves through Printer.raw(): its Code 128 has no length byte and no {B (an independent decoder
// then swallows the rest of the receipt), its qrcode() is not Epson's GS ( k, and style("B") adds
// ESC 4 (italic on Star printers, unknown on Epson), so bold is ESC E from its own command table.
import { Adapter } from "@node-escpos/adapter";
import { Printer, command } from "@node-escpos/core";
import { code128Payload, code128Segments } from "./code128.js";
import { printableText } from "./gbk-text.js";
import { PrinterError } from "./types.js";

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const EOT = 0x04;

/** Text helpers live in gbk-text.ts (mapping to GBK, width in GBK bytes, wrapping); re-exported for callers. */
export { encodeGbk, printableText, textColumns } from "./gbk-text.js";

export type Align = "left" | "center" | "right";
export type QrEcLevel = "L" | "M" | "Q" | "H";

/** node-escpos wants a device adapter; this one keeps nothing: the job is taken from the printer's buffer. */
class JobBufferAdapter extends Adapter<[]> {
  open(callback?: (error: Error | null) => void): this {
    callback?.(null);
    return this;
  }
  write(_data: Buffer | string, callback?: (error: Error | null) => void): this {
    callback?.(null);
    return this;
  }
  close(callback?: (error: Error | null) => void): this {
    callback?.(null);
    return this;
  }
  read(): void {}
}

/** Appends ESC/POS commands to one job. Every method validates its input and throws PrinterError. */
export class EscPosBuilder {
  private readonly printer = new Printer<[]>(new JobBufferAdapter(), { encoding: "GBK" });

  /** ESC @: initialise (always first in a job); FS & turns on the printer's two-byte (GBK) mode. */
  init(cjk = true): this {
    this.printer.hardware("init");
    if (cjk) this.bytes(FS, 0x26);
    return this;
  }

  align(a: Align): this {
    this.printer.align(a === "left" ? "lt" : a === "center" ? "ct" : "rt");
    return this;
  }

  /** ESC E n from node-escpos's command table (its style("B") also sends ESC 4, see above). */
  bold(on: boolean): this {
    this.printer.buffer.write(on ? command.TEXT_FORMAT.TXT_BOLD_ON : command.TEXT_FORMAT.TXT_BOLD_OFF);
    return this;
  }

  /** GS ! : character size multipliers 1..8. */
  size(width: number, height: number): this {
    if (![width, height].every((n) => Number.isInteger(n) && n >= 1 && n <= 8)) throw new PrinterError("RECEIPT_INVALID", "size must be 1..8");
    this.printer.size(width, height);
    return this;
  }

  /** Text in GBK (`¥` as `￥`, control characters dropped so text can never forge a command). */
  text(text: string): this {
    this.printer.pureText(printableText(text), "GBK");
    return this;
  }

  line(text = ""): this {
    this.printer.text(printableText(text), "GBK");
    return this;
  }

  /** ESC d n: print and feed n lines. */
  feed(lines = 1): this {
    return this.bytes(ESC, 0x64, Math.max(0, Math.min(255, lines)));
  }

  /**
   * Code 128 as Epson documents it: GS k 73 n, then "{B" / "{C" code set switches and the data, n
   * counting all of it; digit runs go in code set C (one byte per pair), which halves their width.
   * (The npm libraries omit n and {B, and an independent decoder then eats the rest of the job.)
   */
  code128(data: string, opts: { height?: number; moduleWidth?: number; hri?: boolean } = {}): this {
    if (!/^[\x20-\x7e]+$/.test(data) || data.includes("{")) throw new PrinterError("RECEIPT_INVALID", "Code 128 data must be printable ASCII without '{'");
    const payload = code128Payload(code128Segments(data));
    if (payload.length > 255) throw new PrinterError("RECEIPT_INVALID", "Code 128 data too long");
    const mw = opts.moduleWidth ?? 2;
    if (!Number.isInteger(mw) || mw < 1 || mw > 6) throw new PrinterError("RECEIPT_INVALID", "Code 128 module width must be 1..6");
    this.bytes(GS, 0x68, opts.height ?? 80); // GS h: height in dots
    this.bytes(GS, 0x77, mw); // GS w: module width
    this.bytes(GS, 0x48, opts.hri === false ? 0 : 2); // GS H: HRI below
    this.bytes(GS, 0x6b, 73, payload.length);
    this.printer.raw(payload);
    return this;
  }

  /** QR code with Epson's GS ( k (cn 49): model 2, module size, error correction, store, print. */
  qr(data: string, opts: { moduleSize?: number; ec?: QrEcLevel } = {}): this {
    const payload = Buffer.from(data, "utf8");
    if (payload.length === 0 || payload.length > 7089) throw new PrinterError("RECEIPT_INVALID", "QR data must be 1..7089 bytes");
    const size = opts.moduleSize ?? 6;
    if (!Number.isInteger(size) || size < 1 || size > 16) throw new PrinterError("RECEIPT_INVALID", "QR module size must be 1..16");
    const ec = { L: 48, M: 49, Q: 50, H: 51 }[opts.ec ?? "M"];
    this.gsParenK(0x41, [0x32, 0x00]); // fn 65: model 2
    this.gsParenK(0x43, [size]); // fn 67: module size
    this.gsParenK(0x45, [ec]); // fn 69: error correction
    this.gsParenK(0x50, [0x30, ...payload]); // fn 80: store data
    this.gsParenK(0x51, [0x30]); // fn 81: print
    return this;
  }

  /** GS V 65 n: feed n lines and cut. */
  cut(feedLines = 3): this {
    return this.bytes(GS, 0x56, 65, Math.max(0, Math.min(255, feedLines)));
  }

  raw(buf: Uint8Array): this {
    this.printer.raw(Buffer.from(buf));
    return this;
  }

  /** The whole job, taken out of node-escpos's buffer. */
  build(): Buffer {
    return Buffer.from(this.printer.buffer.flush());
  }

  private gsParenK(fn: number, params: number[]): void {
    const len = params.length + 2; // cn + fn + params
    this.bytes(GS, 0x28, 0x6b, len & 0xff, len >> 8, 49, fn, ...params);
  }

  private bytes(...b: number[]): this {
    this.printer.raw(Buffer.from(b));
    return this;
  }
}

/** DLE EOT n: real-time status request (1 printer, 2 offline cause, 3 error cause, 4 paper sensor). */
export function statusRequest(n: 1 | 2 | 3 | 4): Buffer {
  return Buffer.from([DLE, EOT, n]);
}

export interface PrinterStatusBits {
  online: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperLow: boolean;
  error: boolean;
}

/** A status byte has bit 1 set and bits 0, 4 and 7 clear (Epson: 0xx1xx10 for n=1, 2, 4). */
export function isStatusByte(b: number): boolean {
  return (b & 0b10010011) === 0b00010010;
}

/** Interprets the answers to DLE EOT 1, 2 and 4. */
export function parseStatus(printer: number, offline: number, paper: number): PrinterStatusBits {
  for (const b of [printer, offline, paper]) if (!isStatusByte(b)) throw new PrinterError("STATUS_INVALID", `not a status byte: 0x${b.toString(16)}`);
  const coverOpen = (offline & 0x04) !== 0;
  const paperOut = (offline & 0x20) !== 0 || (paper & 0x60) !== 0;
  const error = (offline & 0x40) !== 0;
  return {
    online: (printer & 0x08) === 0,
    coverOpen,
    paperOut,
    paperLow: (paper & 0x0c) !== 0,
    error,
  };
}
