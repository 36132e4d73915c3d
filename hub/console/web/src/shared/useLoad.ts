// One API answer loaded for a screen: again whenever `key` changes, an answer that arrives after the next load started (or after unmount) dropped.
import { useEffect, useState } from "react";

export type Answer<T> = { data?: T; error?: unknown };

/**
 * Loads `load()` when `key` changes (a tab's reload counter, a dialog's store). Its error goes to
 * `onError` when given (a state the caller shares, e.g. with its quote), else to the returned `error`.
 */
export function useLoad<T>(load: () => Promise<Answer<T>>, key: string | number, onError?: (e: unknown) => void): { data: T | undefined; error: unknown } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown }>({ data: undefined, error: undefined });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` depends on (a new closure each render)
  useEffect(() => {
    let live = true;
    void load().then(({ data, error }) => {
      if (!live) return;
      if (data !== undefined) setState({ data, error: undefined });
      else if (onError) onError(error);
      else setState({ data: undefined, error });
    });
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}
