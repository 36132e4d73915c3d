// One-shot timers passed into services that schedule work (sync ack waits, heartbeats), so tests drive them on fake time.

export interface TimerHandle {
  readonly id: number;
}

/** The one timer interface of the tree (the kiosk session, sync, the hub link); runtime/testing/manual-timers.ts drives it in tests. */
export interface Timers {
  /** Calls `fn` once after `ms`; the handle cancels it. */
  set(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

/** Real timers, unref'd: a pending wait never keeps a stopping process alive. */
export function systemTimers(): Timers {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    set(fn, ms) {
      const id = next++;
      const t = setTimeout(() => {
        live.delete(id);
        fn();
      }, ms);
      t.unref();
      live.set(id, t);
      return { id };
    },
    clear(handle) {
      if (!handle) return;
      const t = live.get(handle.id);
      if (t) clearTimeout(t);
      live.delete(handle.id);
    },
  };
}
