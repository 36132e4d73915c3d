// The parent's side of bench/kiosk-fleet.ts: forks the kiosk process (with the same TypeScript loader) and asks it one step at a time.
import { fork, type ChildProcess } from "node:child_process";
import type { FleetReply, FleetRequest } from "./kiosk-fleet.js";

export class KioskFleet {
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ op: FleetReply["op"]; resolve: (r: FleetReply) => void; reject: (e: Error) => void }> = [];
  private exited: Error | undefined;

  constructor() {
    // The parent's loader flags (tsx), without a profiler flag meant for the hub's process.
    const execArgv = process.execArgv.filter((a) => !a.startsWith("--cpu-prof"));
    this.child = fork(new URL("./kiosk-fleet.ts", import.meta.url), [], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (r: FleetReply) => {
      if (r.op === "failed") {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`kiosk process: ${r.error}`));
        return;
      }
      const i = this.waiting.findIndex((w) => w.op === r.op);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(r);
    });
    this.child.on("exit", (code) => {
      this.exited = new Error(`kiosk process exited (${code})`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  /** The kiosk process's id (its CPU is read from /proc as well). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a request and resolves with the answer named `answer`. */
  ask<K extends FleetReply["op"]>(req: FleetRequest, answer: K): Promise<Extract<FleetReply, { op: K }>> {
    const answered = this.expect(answer);
    if (!this.exited) this.child.send(req);
    return answered;
  }

  /** Resolves with the next message named `op` (one the kiosk process sends along the way). */
  expect<K extends FleetReply["op"]>(op: K): Promise<Extract<FleetReply, { op: K }>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({ op, resolve: (r) => resolve(r as Extract<FleetReply, { op: K }>), reject });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    this.child.send({ op: "stop" } satisfies FleetRequest);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    await gone;
    clearTimeout(timer);
  }
}
