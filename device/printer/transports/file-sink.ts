// File-sink printer transport: appends each job to a file, or writes <dir>/<receiptNo>.bin when the path is a directory.
import { appendFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PrinterStatus, PrinterTransport } from "../types.js";
import { PrinterError } from "../types.js";

export class FileSinkTransport implements PrinterTransport {
  readonly kind = "file" as const;
  private jobsInDir = 0;

  constructor(private readonly path: string) {}

  async send(job: Buffer, meta: { receiptNo?: string }): Promise<void> {
    try {
      const st = await stat(this.path).catch(() => undefined);
      if (st?.isDirectory()) {
        const name = (meta.receiptNo ?? `job-${++this.jobsInDir}`).replace(/[^A-Za-z0-9_.-]/g, "_");
        await writeFile(join(this.path, `${name}.bin`), job);
      } else {
        await appendFile(this.path, job);
      }
    } catch (err) {
      throw new PrinterError("PRINTER_WRITE_FAILED", `cannot write print job to ${this.path}: ${String(err)}`, { cause: err });
    }
  }

  async readStatus(): Promise<Omit<PrinterStatus, "at" | "supported"> | undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
