// Scanning contracts: frames, frame sources, decoders, scan results, their config schemas and error codes.
import { z } from "zod";
import type { HealthReporter } from "../health.js";

/** A luminance plane, rows packed (width bytes per row, stride already cut away). */
export interface GrayFrame {
  kind: "gray";
  data: Uint8Array;
  width: number;
  height: number;
  /** Monotonic per source. */
  seq: number;
  /** When the frame was complete (clock ms). */
  at: number;
}

/** An encoded image (PNG, JPEG, ...) that zxing-wasm decodes itself. */
export interface ImageFrame {
  kind: "image";
  bytes: Uint8Array;
  name?: string;
  seq: number;
  at: number;
}

export type Frame = GrayFrame | ImageFrame;

export type FrameListener = (frame: Frame) => void;

export const frameSourceDrivers = ["rpicam", "v4l2", "video", "folder", "simulated"] as const;
export type FrameSourceDriver = (typeof frameSourceDrivers)[number];

/** Every camera/frame driver: start/stop, a frame listener, a health report (fps, last frame age). */
export interface FrameSource extends HealthReporter {
  readonly driver: FrameSourceDriver;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Subscribes to frames; returns the unsubscribe function. */
  onFrame(listener: FrameListener): () => void;
}

/** Input accepted by push(): encoded image bytes, or a raw gray plane. */
export type PushInput = Uint8Array | { data: Uint8Array; width: number; height: number };

/** A source that tests, the demo and the staff page can feed one image at a time. */
export interface PushableFrameSource extends FrameSource {
  push(input: PushInput, name?: string): void;
  pushFile(path: string): Promise<void>;
}

export type ScanKind = "member" | "product" | "unknown";

/** One accepted scan, after validity check, duplicate suppression and classification. */
export interface ScanResult {
  text: string;
  /** zxing-wasm's canonical format name: "QRCode", "EAN13", "EAN8", "UPCA", "Code128". */
  format: string;
  kind: ScanKind;
  /** When the result was accepted (clock ms). */
  at: number;
  /** When the frame it came from was complete. */
  frameAt: number;
  /** Which decoder settings found it. */
  pass: DecodePass;
}

export type ScanListener = (result: ScanResult) => void;

export type DecodePass = "fast" | "thorough";

/** A symbol as the decode worker returns it (zxing-wasm ReadResult, reduced). */
export interface DecodedSymbol {
  text: string;
  format: string;
  bytes: Uint8Array;
  isValid: boolean;
  symbologyIdentifier: string;
}

export interface DecodeOutcome {
  symbols: DecodedSymbol[];
  /** Time spent decoding inside the worker. */
  decodeMs: number;
}

/** Decodes frames; one call at a time (the scanner never queues). */
export interface FrameDecoder {
  /** Times the decoder was restarted after a crash or a hung decode (worker decoder). */
  readonly restarts?: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  decode(frame: Frame, pass: DecodePass): Promise<DecodeOutcome>;
}

// ---------------------------------------------------------------- config

const backoffSchema = z
  .object({
    initialMs: z.number().int().positive().default(500),
    maxMs: z.number().int().positive().default(30_000),
    factor: z.number().min(1).default(2),
    /** A process that ran this long resets the backoff to initialMs. */
    resetAfterMs: z.number().int().positive().default(10_000),
  })
  .default({ initialMs: 500, maxMs: 30_000, factor: 2, resetAfterMs: 10_000 });
export type BackoffConfig = z.infer<typeof backoffSchema>;

const size = {
  width: z.number().int().min(16).max(4096).default(640),
  height: z.number().int().min(16).max(4096).default(480),
  framerate: z.number().positive().max(120).default(15),
};

export const rpicamSourceSchema = z.object({
  driver: z.literal("rpicam"),
  ...size,
  binary: z.string().default("rpicam-vid"),
  /** Camera index for rpicam-vid --camera. */
  camera: z.number().int().min(0).default(0),
  /** Extra arguments appended (e.g. ["--autofocus-mode", "continuous"]). */
  extraArgs: z.array(z.string()).default([]),
  /** rpicam-vid pads each YUV420 row to this many bytes (64); chroma rows to half of the luma stride. */
  strideAlign: z.number().int().positive().default(64),
  /** Explicit luma stride in bytes, when a camera stack pads differently (0: from strideAlign). */
  stride: z.number().int().min(0).default(0),
  restart: backoffSchema,
});

export const v4l2SourceSchema = z.object({
  driver: z.literal("v4l2"),
  ...size,
  device: z.string().default("/dev/video0"),
  /** Webcam's own pixel format to request: mjpeg is what most USB webcams give at 720p. */
  inputFormat: z.enum(["mjpeg", "yuyv422", "auto"]).default("auto"),
  ffmpeg: z.string().default("ffmpeg"),
  restart: backoffSchema,
});

export const videoSourceSchema = z.object({
  driver: z.literal("video"),
  path: z.string().min(1),
  /** Output size; frames are scaled to it. */
  ...size,
  /** Play at the file's own speed (-re) rather than as fast as ffmpeg decodes. */
  realtime: z.boolean().default(true),
  loop: z.boolean().default(false),
  ffmpeg: z.string().default("ffmpeg"),
  restart: backoffSchema,
});

export const folderSourceSchema = z.object({
  driver: z.literal("folder"),
  path: z.string().min(1),
  /** One image every intervalMs. */
  intervalMs: z.number().int().positive().default(500),
  loop: z.boolean().default(false),
  /** Keep polling for new files after the folder is exhausted. */
  watch: z.boolean().default(true),
  extensions: z.array(z.string()).default([".png", ".jpg", ".jpeg", ".bmp", ".gif"]),
});

export const simulatedSourceSchema = z.object({
  driver: z.literal("simulated"),
});

export const frameSourceConfigSchema = z.discriminatedUnion("driver", [
  rpicamSourceSchema,
  v4l2SourceSchema,
  videoSourceSchema,
  folderSourceSchema,
  simulatedSourceSchema,
]);
export type FrameSourceConfig = z.infer<typeof frameSourceConfigSchema>;
export type RpicamSourceConfig = z.infer<typeof rpicamSourceSchema>;
export type V4l2SourceConfig = z.infer<typeof v4l2SourceSchema>;
export type VideoSourceConfig = z.infer<typeof videoSourceSchema>;
export type FolderSourceConfig = z.infer<typeof folderSourceSchema>;

export const storeFormats = ["QRCode", "EAN13", "EAN8", "UPCA", "Code128"] as const;

export const scannerConfigSchema = z.object({
  /** The same code (format + text) seen again within this window of its last sighting is dropped. */
  duplicateWindowMs: z.number().int().min(0).default(1500),
  /** After this long without a result, the newest frame gets the thorough pass... */
  idleAfterMs: z.number().int().min(0).default(1000),
  /** ...at most once per this interval. */
  thoroughIntervalMs: z.number().int().positive().default(1000),
  /** Formats the store uses; fewer formats decode faster. */
  formats: z
    .array(z.enum(storeFormats))
    .min(1)
    .default([...storeFormats]),
  /** "pixmap": gray plane straight into zxing; "rgba": expand to RGBA and use the public ImageData path. */
  grayInput: z.enum(["pixmap", "rgba"]).default("pixmap"),
  /** A decode running longer than this restarts the worker. */
  decodeTimeoutMs: z.number().int().positive().default(5000),
  /**
   * Which 1D reads (EAN/UPC/Code 128) need a second frame with the same text before they count:
   * "thorough" (default: a thorough-pass read waits, a fast-pass read counts at once), "always", "off".
   * QR codes carry their own error correction and count at once.
   */
  confirmLinear: z.enum(["thorough", "always", "off"]).default("thorough"),
  /** A held 1D read must be seen again within this long, or it is dropped. */
  confirmWindowMs: z.number().int().positive().default(3000),
});
export type ScannerConfig = z.infer<typeof scannerConfigSchema>;

// ---------------------------------------------------------------- errors

export type ScanErrorCode =
  | "BINARY_MISSING"
  | "PROCESS_EXITED"
  | "SOURCE_NOT_FOUND"
  | "SOURCE_NOT_STARTED"
  | "FRAME_INVALID"
  | "DECODER_LOAD_FAILED"
  | "DECODER_CRASHED"
  | "DECODER_TIMEOUT"
  | "DECODER_BUSY"
  | "DECODER_STOPPED"
  | "DECODE_FAILED";

export class ScanError extends Error {
  constructor(
    readonly code: ScanErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ScanError";
  }
}
