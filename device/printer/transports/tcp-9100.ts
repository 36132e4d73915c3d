// Network printer transport (raw TCP, port 9100): one socket per job, connect and job timeouts, retry only before sending, DLE EOT status.
import { type Socket, connect } from "node:net";
import type { Logger } from "../../health.js";
import { parseStatus, statusRequest } from "../escpos.js";
import type { PrinterStatus, PrinterTransport, TcpPrinterConfig } from "../types.js";
import { PrinterError } from "../types.js";

type StatusFields = Omit<PrinterStatus, "at" | "supported">;

export class Tcp9100Transport implements PrinterTransport {
  readonly kind = "tcp" as const;
  private readonly log: Logger;

  constructor(
    private readonly cfg: Pick<TcpPrinterConfig, "host" | "port" | "connectTimeoutMs" | "jobTimeoutMs" | "retries" | "retryDelayMs" | "statusTimeoutMs">,
    deps: { logger: Logger; sleep?: (ms: number) => Promise<void> },
  ) {
    this.log = deps.logger.child({ ns: "kiosk:printer:tcp", host: cfg.host, port: cfg.port });
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private readonly sleep: (ms: number) => Promise<void>;

  async send(job: Buffer): Promise<{ attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sendOnce(job);
        return { attempts: attempt };
      } catch (err) {
        // Only a connection that never opened is retried: once bytes went out, a retry could print twice.
        const retryable = err instanceof PrinterError && err.code === "PRINTER_UNREACHABLE";
        if (!retryable || attempt > this.cfg.retries) throw err;
        this.log.warn({ attempt, code: err.code }, "printer unreachable; retrying");
        await this.sleep(this.cfg.retryDelayMs * attempt);
      }
    }
  }

  private sendOnce(job: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = connect({ host: this.cfg.host, port: this.cfg.port });
      let connected = false;
      let done = false;
      const finish = (err?: PrinterError): void => {
        if (done) return;
        done = true;
        clearTimeout(connectTimer);
        clearTimeout(jobTimer);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          // The job is handed over; give the printer a moment to close its side, then drop the socket.
          setTimeout(() => socket.destroy(), 2000).unref();
          resolve();
        }
      };
      const connectTimer = setTimeout(
        () => finish(new PrinterError("PRINTER_UNREACHABLE", `no connection to ${this.cfg.host}:${this.cfg.port} within ${this.cfg.connectTimeoutMs} ms`)),
        this.cfg.connectTimeoutMs,
      );
      const jobTimer = setTimeout(
        () => finish(new PrinterError("PRINTER_TIMEOUT", `print job not accepted within ${this.cfg.jobTimeoutMs} ms`)),
        this.cfg.jobTimeoutMs,
      );
      socket.on("connect", () => {
        connected = true;
        clearTimeout(connectTimer);
        socket.end(job);
      });
      socket.on("finish", () => finish());
      socket.on("data", () => undefined); // ASB or other unsolicited bytes are ignored
      socket.on("error", (err) =>
        finish(
          connected
            ? new PrinterError("PRINTER_WRITE_FAILED", `printer connection failed mid-job: ${err.message}`, { cause: err })
            : new PrinterError("PRINTER_UNREACHABLE", `cannot connect to ${this.cfg.host}:${this.cfg.port}: ${err.message}`, { cause: err }),
        ),
      );
    });
  }

  /** DLE EOT 1, 2, 4 on a short-lived connection; undefined when the printer does not answer. */
  async readStatus(): Promise<StatusFields | undefined> {
    const socket = await this.open();
    try {
      const reader = new ByteReader(socket);
      const answers: number[] = [];
      for (const n of [1, 2, 4] as const) {
        socket.write(statusRequest(n));
        const b = await reader.next(this.cfg.statusTimeoutMs);
        if (b === undefined) return undefined;
        answers.push(b);
      }
      const [p, o, r] = answers as [number, number, number];
      return parseStatus(p, o, r);
    } finally {
      socket.destroy();
    }
  }

  async close(): Promise<void> {}

  private open(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.cfg.host, port: this.cfg.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PrinterError("PRINTER_UNREACHABLE", `no connection to ${this.cfg.host}:${this.cfg.port}`));
      }, this.cfg.connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new PrinterError("PRINTER_UNREACHABLE", `cannot connect to ${this.cfg.host}:${this.cfg.port}: ${err.message}`, { cause: err }));
      });
    });
  }
}

/** Reads single bytes from a socket with a timeout each. */
class ByteReader {
  private readonly buffered: number[] = [];
  private waiter: ((b: number | undefined) => void) | undefined;

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const b of chunk) this.buffered.push(b);
      this.wake();
    });
    socket.on("close", () => {
      const w = this.waiter;
      this.waiter = undefined;
      w?.(undefined);
    });
  }

  next(timeoutMs: number): Promise<number | undefined> {
    if (this.buffered.length > 0) return Promise.resolve(this.buffered.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || this.buffered.length === 0) return;
    this.waiter = undefined;
    w(this.buffered.shift());
  }
}
