// The hub thread's turns: queued tasks run one per event-loop pass in order, timers and I/O callbacks get a turn between two, a failure does not stop the rest, clear drops what is left.
import { describe, expect, it } from "vitest";
import { Turns } from "./turns.js";

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // holds the thread as a batch transaction does
  }
};
const idle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

describe("Turns", () => {
  it("runs the tasks in order, one per pass of the event loop, letting a timer run between two", async () => {
    const seen: string[] = [];
    const turns = new Turns(() => seen.push("error"));
    for (const name of ["a", "b", "c"])
      turns.push(() => {
        seen.push(name);
        // The first task's timer fires before the last task runs: something else had a turn.
        if (name === "a") setTimeout(() => seen.push("timer"), 0);
        busy(5);
      });
    expect(seen).toEqual([]);
    expect(turns.pending).toBe(3);
    await idle();
    expect(seen.filter((s) => s !== "timer")).toEqual(["a", "b", "c"]);
    expect(seen.indexOf("timer")).toBeGreaterThan(0);
    expect(seen.indexOf("timer")).toBeLessThan(seen.indexOf("c"));
    expect(turns.pending).toBe(0);
  });

  it("reports a task that throws and runs the next", async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const turns = new Turns((err) => errors.push(err));
    turns.push(() => {
      throw new Error("batch failed");
    });
    turns.push(() => ran.push(2));
    await idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(["batch failed"]);
    expect(ran).toEqual([2]);
  });

  it("drops what has not run on clear, and runs what is queued after", async () => {
    const ran: string[] = [];
    const turns = new Turns(() => undefined);
    turns.push(() => ran.push("dropped"));
    turns.clear();
    await idle();
    expect(ran).toEqual([]);
    turns.push(() => ran.push("later"));
    await idle();
    expect(ran).toEqual(["later"]);
  });
});
