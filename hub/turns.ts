// Work the hub's thread does in turns: one task per pass of the event loop (setImmediate), in the order queued, so
// HTTP, keepalives and timers are served between two ledger batches instead of after a whole burst of them.
//
// A kiosk's batches arrive together after an outage (the MQTT client parses every packet of a read in one
// go), and a batch applied in the hub's thread holds it for its whole transaction; run back to back, a
// catch-up held it for seconds. In turns, the longest wait for anything else is about one batch.

/** Runs queued tasks one per event-loop turn, first in first out; a task that throws is reported and the next runs. */
export class Turns {
  private readonly queue: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Tasks queued and not run yet. */
  get pending(): number {
    return this.queue.length;
  }

  push(task: () => void): void {
    this.queue.push(task);
    this.schedule();
  }

  /** Drops what has not run (the hub is stopping: a kiosk resends what was not acknowledged). */
  clear(): void {
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.runOne());
  }

  private runOne(): void {
    this.scheduled = false;
    const task = this.queue.shift();
    try {
      task?.();
    } catch (err) {
      this.onError(err);
    } finally {
      this.schedule();
    }
  }
}
