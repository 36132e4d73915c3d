// USB printer transport through the usblp kernel driver: the job is written to /dev/usb/lpN; status via DLE EOT read back non-blocking.
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { Logger } from "../../health.js";
import { parseStatus, statusRequest } from "../escpos.js";
import type { PrinterStatus, PrinterTransport, UsblpPrinterConfig } from "../types.js";
import { PrinterError } from "../types.js";

type StatusFields = Omit<PrinterStatus, "at" | "supported">;

function openError(device: string, err: unknown): PrinterError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENODEV" || code === "ENXIO")
    return new PrinterError("DEVICE_NOT_FOUND", `${device} not found (printer unplugged or usblp not loaded)`, { cause: err });
  if (code === "EACCES" || code === "EPERM")
    return new PrinterError("DEVICE_NOT_FOUND", `${device} not accessible: add the kiosk user to the lp group`, { cause: err });
  return new PrinterError("PRINTER_WRITE_FAILED", `cannot open ${device}: ${String(err)}`, { cause: err });
}

export class UsblpTransport implements PrinterTransport {
  readonly kind = "usblp" as const;
  private readonly log: Logger;

  constructor(
    private readonly cfg: Pick<UsblpPrinterConfig, "device" | "statusTimeoutMs" | "jobTimeoutMs">,
    deps: { logger: Logger },
  ) {
    this.log = deps.logger.child({ ns: "kiosk:printer:usblp", device: cfg.device });
  }

  async send(job: Buffer): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.cfg.device, constants.O_WRONLY | constants.O_NOCTTY);
    } catch (err) {
      throw openError(this.cfg.device, err);
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const write = (async () => {
        let off = 0;
        while (off < job.length) {
          const { bytesWritten } = await fh.write(job, off, job.length - off);
          off += bytesWritten;
        }
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new PrinterError("PRINTER_TIMEOUT", `printer did not take the job within ${this.cfg.jobTimeoutMs} ms`));
        }, this.cfg.jobTimeoutMs);
      });
      await Promise.race([write, timeout]).catch((err: unknown) => {
        throw err instanceof PrinterError
          ? err
          : new PrinterError("PRINTER_WRITE_FAILED", `write to ${this.cfg.device} failed: ${String(err)}`, { cause: err });
      });
    } finally {
      clearTimeout(timer);
      // close() waits for a pending write: after a timeout, let it finish in the background.
      if (timedOut) void fh.close().catch(() => undefined);
      else await fh.close().catch(() => undefined);
    }
  }

  /**
   * DLE EOT 1, 2, 4 on a non-blocking descriptor (a blocking read of a printer that never answers
   * would hold one of libuv's four threadpool threads forever). Undefined when there is no answer.
   */
  async readStatus(): Promise<StatusFields | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(this.cfg.device, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      throw openError(this.cfg.device, err);
    }
    try {
      const answers: number[] = [];
      for (const n of [1, 2, 4] as const) {
        await fh.write(statusRequest(n));
        const b = await this.readByte(fh);
        if (b === undefined) return undefined;
        answers.push(b);
      }
      const [p, o, r] = answers as [number, number, number];
      return parseStatus(p, o, r);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {}

  private async readByte(fh: FileHandle): Promise<number | undefined> {
    const buf = Buffer.alloc(1);
    const deadline = Date.now() + this.cfg.statusTimeoutMs;
    while (Date.now() < deadline) {
      try {
        const { bytesRead } = await fh.read(buf, 0, 1, null);
        if (bytesRead === 1) return buf[0];
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EAGAIN" && code !== "EWOULDBLOCK") {
          this.log.debug({ err: String(err) }, "status read failed");
          return undefined;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }
}
