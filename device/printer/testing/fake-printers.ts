// Test helpers: a TCP 9100 listener and a usblp stand-in (a pty pair made by socat) that capture jobs and answer DLE EOT status.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";

/** Status answers for DLE EOT 1, 2, 4 (Epson bit layout); undefined = the printer never answers. */
export interface FakeStatus {
  printer: number;
  offline: number;
  paper: number;
}
export const statusOk: FakeStatus = { printer: 0x12, offline: 0x12, paper: 0x12 };
export const statusPaperOut: FakeStatus = { printer: 0x1a, offline: 0x32, paper: 0x72 };
export const statusCoverOpen: FakeStatus = { printer: 0x1a, offline: 0x16, paper: 0x12 };

/** Scans incoming bytes for DLE EOT n and answers it, as a printer does in real time. */
function statusAnswerer(getStatus: () => FakeStatus | undefined, reply: (b: Buffer) => void): (chunk: Buffer) => void {
  let tail: number[] = [];
  return (chunk) => {
    for (const b of chunk) {
      tail = [...tail.slice(-2), b];
      if (tail.length === 3 && tail[0] === 0x10 && tail[1] === 0x04) {
        const s = getStatus();
        const n = tail[2];
        if (s) reply(Buffer.from([n === 1 ? s.printer : n === 2 ? s.offline : s.paper]));
        tail = [];
      }
    }
  };
}

export class FakeTcpPrinter {
  readonly jobs: Buffer[] = [];
  status: FakeStatus | undefined = statusOk;
  connections = 0;
  private server: Server | undefined;
  private readonly waiters: (() => void)[] = [];
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket: Socket) => {
      this.connections++;
      const chunks: Buffer[] = [];
      const answer = statusAnswerer(
        () => this.status,
        (b) => socket.write(b),
      );
      socket.on("data", (d: Buffer) => {
        chunks.push(d);
        answer(d);
      });
      socket.on("end", () => {
        const job = Buffer.concat(chunks);
        // A status-only connection is not a job.
        if (job.length > 0 && !(job.length % 3 === 0 && job.every((b, i) => (i % 3 === 0 ? b === 0x10 : i % 3 === 1 ? b === 0x04 : true)))) {
          this.jobs.push(job);
          for (const w of this.waiters.splice(0)) w();
        }
        socket.end();
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address();
    this.port = typeof addr === "object" && addr ? addr.port : 0;
  }

  waitForJobs(n: number, ms = 5000): Promise<void> {
    if (this.jobs.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.jobs.length} jobs arrived`)), ms);
      const check = (): void => {
        if (this.jobs.length >= n) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * A usblp stand-in: socat joins two ptys; the driver writes to `device` as it would to /dev/usb/lp0,
 * and this side reads what arrives and answers DLE EOT like the printer.
 */
export class FakeUsbPrinter {
  readonly device: string;
  private readonly printerSide: string;
  private socat: ChildProcess | undefined;
  private fh: FileHandle | undefined;
  private reading = false;
  private received: Buffer[] = [];
  status: FakeStatus | undefined = statusOk;

  constructor(dir: string) {
    this.device = join(dir, "lp0");
    this.printerSide = join(dir, "printer-side");
  }

  async start(): Promise<void> {
    this.socat = spawn("socat", [`pty,raw,echo=0,link=${this.device}`, `pty,raw,echo=0,link=${this.printerSide}`], { stdio: "ignore" });
    const started = Date.now();
    while (!(existsSync(this.device) && existsSync(this.printerSide))) {
      if (Date.now() - started > 5000) throw new Error("socat did not create the pty pair (is socat installed?)");
      await new Promise((r) => setTimeout(r, 20));
    }
    this.fh = await open(this.printerSide, "r+");
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    const answer = statusAnswerer(
      () => this.status,
      (b) => void fh.write(b).catch(() => undefined),
    );
    const buf = Buffer.alloc(65_536);
    while (this.reading) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null).catch(() => ({ bytesRead: -1 }));
      if (bytesRead < 0) break;
      if (bytesRead === 0) continue;
      const chunk = Buffer.from(buf.subarray(0, bytesRead));
      this.received.push(chunk);
      answer(chunk);
    }
  }

  /** Everything written to the device so far, without status requests. */
  data(): Buffer {
    const all = Buffer.concat(this.received);
    const out: number[] = [];
    for (let i = 0; i < all.length; i++) {
      if (all[i] === 0x10 && all[i + 1] === 0x04 && i + 2 < all.length) {
        i += 2;
        continue;
      }
      out.push(all[i] ?? 0);
    }
    return Buffer.from(out);
  }

  async waitForBytes(n: number, ms = 5000): Promise<void> {
    const started = Date.now();
    while (this.data().length < n) {
      if (Date.now() - started > ms) throw new Error(`only ${this.data().length} of ${n} bytes arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  reset(): void {
    this.received = [];
  }

  async stop(): Promise<void> {
    this.reading = false;
    this.socat?.kill("SIGTERM");
    await this.fh?.close().catch(() => undefined);
  }
}
