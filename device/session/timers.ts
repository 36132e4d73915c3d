// Timers passed into the session, gate and staff services (never a bare setTimeout in logic), so tests drive them.

export interface TimerHandle {
  readonly id: number;
}

export interface Timers {
  /** Calls `fn` once after `ms`; the handle cancels it. */
  set(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

/** Real timers; unref'd so a pending session timeout never keeps a stopping process alive. */
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
