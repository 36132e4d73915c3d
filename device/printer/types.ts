// Receipt printer contracts: receipt data, printer transports and their config schemas, status, error codes.
import { z } from "zod";
import type { HealthReporter } from "../health.js";

const fen = z.number().int();

/**
 * Everything printed on a receipt. Amounts are integer fen; the printer adds up only what it prints
 * (the lines, the coupons and the rounding must come to the total, or RECEIPT_INVALID).
 */
export const receiptDataSchema = z
  .object({
    /** What the paper is: a sale receipt (e-receipt QR), a counter claim ticket (not paid), a return slip. */
    kind: z.enum(["sale", "claim", "return"]).default("sale"),
    storeName: z.string().min(1).max(64),
    storeAddress: z.string().max(128).optional(),
    kioskId: z.string().min(1).max(64),
    receiptNo: z.string().min(1).max(64),
    /** Sale time, ms since epoch (rendered in the printer config's time zone). */
    time: z.number().int(),
    /** Already masked (see maskCardNo / maskName); null for a non-member sale. */
    member: z
      .object({
        maskedCardNo: z.string().min(1).max(32),
        maskedName: z.string().max(32).optional(),
        level: z.string().max(32).optional(),
      })
      .nullable(),
    lines: z
      .array(
        z.object({
          name: z.string().min(1).max(64),
          /** Units, or kilograms for weighed goods. */
          qty: z.number().positive(),
          unitPriceFen: fen.nonnegative(),
          memberUnitPriceFen: fen.nonnegative(),
          /** The line at member prices, before order-level discounts (coupons and rounding are printed once, below). */
          lineTotalFen: fen,
          /** Member-price savings of this line only (list x qty - lineTotalFen). */
          savingsFen: fen.nonnegative(),
          /** A weighed item from a scale label: the weight and the per-kg prices (unitPriceFen is then one labelled pack). */
          weight: z.object({ grams: z.number().int().positive().max(1_000_000), perKgFen: fen.nonnegative(), memberPerKgFen: fen.nonnegative() }).optional(),
        }),
      )
      .min(1),
    coupons: z.array(z.object({ name: z.string().min(1).max(64), amountFen: fen.nonnegative() })).default([]),
    /** Cash rounding given off the order (抹零). */
    roundingFen: fen.nonnegative().default(0),
    /** What the member pays (points as cash included), after member prices, coupons and rounding. */
    totalFen: fen,
    points: z.object({ earned: z.number().int(), balance: z.number().int() }).nullable(),
    tenders: z.array(z.object({ method: z.string().min(1).max(32), label: z.string().min(1).max(32), amountFen: fen })).min(1),
    changeFen: fen.nonnegative().default(0),
    /** Stored-value balance left after this sale; null when the member has none. */
    storedValueBalanceFen: fen.nullable(),
    /** Printed as a QR code: the e-receipt (sale), the claim for a staffed till (claim), the original sale (return). */
    eReceiptUrl: z.string().url().max(512),
    /** A claim ticket's expiry (ms since epoch, printed in the layout's time zone like the header). */
    validUntil: z.number().int().optional(),
    footer: z.array(z.string().max(64)).default([]),
  })
  .refine(
    (d) => d.lines.reduce((s, l) => s + l.lineTotalFen, 0) - (d.coupons ?? []).reduce((s, c) => s + c.amountFen, 0) - (d.roundingFen ?? 0) === d.totalFen,
    {
      message: "lines minus coupons minus rounding must equal the total (is a coupon counted twice?)",
      path: ["totalFen"],
    },
  );
export type ReceiptData = z.input<typeof receiptDataSchema>;
export type ParsedReceiptData = z.output<typeof receiptDataSchema>;

export const layoutSchema = z.object({
  /** Columns of font A: 48 on 80 mm paper, 32 on 58 mm. */
  widthChars: z.number().int().min(24).max(64).default(48),
  /** IANA time zone for the printed time. */
  timeZone: z.string().default("Asia/Shanghai"),
  /** QR module size in dots (1..16). */
  qrModuleSize: z.number().int().min(1).max(16).default(6),
  /** Send FS & after ESC @ (two-byte GBK mode of Chinese printers). */
  cjk: z.boolean().default(true),
  /** Print the receipt number as a Code 128 barcode (for returns); left out when it would not fit the paper. */
  receiptBarcode: z.boolean().default(true),
  /** Print area in dots (font A is 12 dots a column: 384 on 58 mm, 576 on 80 mm); default widthChars x 12. */
  printDots: z.number().int().min(200).max(2000).optional(),
  /** English after the Chinese labels (合计 Total). */
  english: z.boolean().default(false),
});
export type ReceiptLayout = z.infer<typeof layoutSchema>;

const common = {
  layout: layoutSchema.default({ widthChars: 48, timeZone: "Asia/Shanghai", qrModuleSize: 6, cjk: true, receiptBarcode: true, english: false }),
  /** Ask the printer for paper/cover status before each job and refuse to print into a paper-out printer. */
  checkStatusBeforePrint: z.boolean().default(true),
  /** Also read the status this often between jobs, so /healthz shows paper out before a sale fails (0: off). */
  statusPollMs: z.number().int().min(0).default(30_000),
};

export const tcpPrinterSchema = z.object({
  transport: z.literal("tcp"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(9100),
  connectTimeoutMs: z.number().int().positive().default(3000),
  /** Whole job (write + close) deadline. */
  jobTimeoutMs: z.number().int().positive().default(15_000),
  /** Retries when the connection could not be made (never after bytes were sent: no double receipts). */
  retries: z.number().int().min(0).max(10).default(2),
  retryDelayMs: z.number().int().min(0).default(500),
  statusTimeoutMs: z.number().int().positive().default(1000),
  ...common,
});

export const usblpPrinterSchema = z.object({
  transport: z.literal("usblp"),
  device: z.string().default("/dev/usb/lp0"),
  statusTimeoutMs: z.number().int().positive().default(1000),
  jobTimeoutMs: z.number().int().positive().default(15_000),
  ...common,
});

export const filePrinterSchema = z.object({
  transport: z.literal("file"),
  /** Each job is appended to this file (or written to <dir>/<receiptNo>.bin when it is a directory). */
  path: z.string().min(1),
  ...common,
  checkStatusBeforePrint: z.boolean().default(false),
});

export const simulatedPrinterSchema = z.object({
  transport: z.literal("simulated"),
  ...common,
});

export const printerConfigSchema = z.discriminatedUnion("transport", [tcpPrinterSchema, usblpPrinterSchema, filePrinterSchema, simulatedPrinterSchema]);
export type PrinterConfig = z.infer<typeof printerConfigSchema>;
export type PrinterConfigInput = z.input<typeof printerConfigSchema>;
export type TcpPrinterConfig = z.infer<typeof tcpPrinterSchema>;
export type UsblpPrinterConfig = z.infer<typeof usblpPrinterSchema>;
export type FilePrinterConfig = z.infer<typeof filePrinterSchema>;

/** Printer state as last read; `supported: false` when the transport or printer cannot report it. */
export interface PrinterStatus {
  supported: boolean;
  online: boolean | null;
  paperOut: boolean | null;
  paperLow: boolean | null;
  coverOpen: boolean | null;
  error: boolean | null;
  /** When it was read (clock ms). */
  at: number;
}

/** Moves one job's bytes to the printer. One instance per configured printer. */
export interface PrinterTransport {
  readonly kind: PrinterConfig["transport"];
  /** Sends one whole job; may report how many connection attempts it took. */
  send(job: Buffer, meta: { receiptNo?: string }): Promise<{ attempts: number } | void>;
  /** Reads paper/cover status; undefined when unsupported. */
  readStatus(): Promise<Omit<PrinterStatus, "at" | "supported"> | undefined>;
  close(): Promise<void>;
}

export interface PrintOutcome {
  bytes: number;
  attempts: number;
  status: PrinterStatus | undefined;
}

/** The printer service as the kiosk uses it. */
export interface ReceiptPrinterApi extends HealthReporter {
  start(): Promise<void>;
  stop(): Promise<void>;
  print(data: ReceiptData): Promise<PrintOutcome>;
  printRaw(job: Buffer, meta?: { receiptNo?: string }): Promise<PrintOutcome>;
  status(): Promise<PrinterStatus>;
}

export type PrinterErrorCode =
  | "RECEIPT_INVALID"
  | "PRINTER_UNREACHABLE"
  | "PRINTER_TIMEOUT"
  | "PRINTER_WRITE_FAILED"
  | "PRINTER_PAPER_OUT"
  | "PRINTER_COVER_OPEN"
  | "PRINTER_OFFLINE"
  | "PRINTER_STOPPED"
  | "STATUS_INVALID"
  | "DEVICE_NOT_FOUND";

export class PrinterError extends Error {
  constructor(
    readonly code: PrinterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PrinterError";
  }
}
