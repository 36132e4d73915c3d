// USB scanner (keyboard wedge) capture: a fast burst of keys ending in Enter is a scan, wherever the focus is; the burst is taken out of any field it landed in.
import { useEffect, useRef } from "react";
import { MAX_BUFFER, RESET_MS, scanIn, type Key } from "./scan-detect";

/** Calls `onScan(text)` for each scan; typing stays typing. */
export function useScanner(onScan: (text: string) => void): void {
  const handler = useRef(onScan);
  handler.current = onScan;
  useEffect(() => {
    let keys: Key[] = [];
    const onKey = (e: KeyboardEvent) => {
      const now = performance.now();
      const last = keys[keys.length - 1];
      if (last && now - last.at > RESET_MS) keys = [];
      if (e.key === "Enter") {
        const scan = keys.length > 0 ? scanIn(keys) : undefined;
        keys = [];
        if (scan) {
          e.preventDefault();
          e.stopPropagation();
          removeFrom(scan.target, scan.text);
          handler.current(scan.text);
        }
        return;
      }
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
        keys.push({ ch: e.key, at: now, target: e.target });
        if (keys.length > MAX_BUFFER) keys = keys.slice(-MAX_BUFFER);
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);
}

/** Takes the scanned characters back out of the input they were typed into (React sees the change). */
function removeFrom(target: unknown, text: string): void {
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) return;
  // The last key of the burst may still be on its way into the field: clean up after it lands.
  setTimeout(() => {
    const v = target.value;
    const at = v.lastIndexOf(text);
    if (at < 0) return;
    const next = v.slice(0, at) + v.slice(at + text.length);
    const proto = target instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(target, next);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }, 0);
}
