// Test stand-in for decode-worker.mjs that becomes ready but then hangs (MISBEHAVE=hang) or dies (MISBEHAVE=crash) on the first decode, then behaves.
import { parentPort } from "node:worker_threads";
import { existsSync, writeFileSync } from "node:fs";

const mode = process.env.MISBEHAVE ?? "hang";
const marker = process.env.MISBEHAVE_MARKER ?? "";
parentPort?.on("message", (msg) => {
  if (msg.type === "init") {
    parentPort?.postMessage({ type: "ready", wasmPath: "none" });
    return;
  }
  if (msg.type !== "decode") return;
  // Misbehave once per test (the marker file remembers), then answer like a decoder that found nothing.
  if (marker && !existsSync(marker)) {
    writeFileSync(marker, "1");
    if (mode === "crash") process.exit(3);
    return; // hang: never answer
  }
  parentPort?.postMessage({ type: "result", id: msg.id, symbols: [], decodeMs: 0 });
});
