// The worker decoder's failure handling: a hung decode times out and the worker is replaced; a crashed worker is restarted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import type { Frame } from "./types.js";
import { WorkerDecoder } from "./worker-decoder.js";

const dir = mkdtempSync(join(tmpdir(), "worker-"));
afterAll(() => {
  delete process.env.MISBEHAVE;
  delete process.env.MISBEHAVE_MARKER;
  rmSync(dir, { recursive: true, force: true });
});
const frame: Frame = { kind: "gray", data: new Uint8Array(16), width: 4, height: 4, seq: 1, at: 0 };
const workerUrl = new URL("./testing/misbehaving-worker.mjs", import.meta.url);

describe("WorkerDecoder faults", () => {
  it("a hung decode fails with DECODER_TIMEOUT and the next decode runs on a fresh worker", async () => {
    process.env.MISBEHAVE = "hang";
    process.env.MISBEHAVE_MARKER = join(dir, "hang");
    const logger = createMemoryLogger();
    const d = new WorkerDecoder({ logger, workerUrl, decodeTimeoutMs: 200 });
    await d.start();
    await expect(d.decode(frame, "fast")).rejects.toMatchObject({ code: "DECODER_TIMEOUT" });
    expect(d.restarts).toBe(1);
    await expect(d.decode(frame, "fast")).resolves.toMatchObject({ symbols: [] });
    expect(logger.lines.some((l) => (l.obj as { code?: string } | undefined)?.code === "DECODER_TIMEOUT")).toBe(true);
    await d.stop();
  });

  it("a worker that dies mid-decode fails that decode with DECODER_CRASHED and is restarted", async () => {
    process.env.MISBEHAVE = "crash";
    process.env.MISBEHAVE_MARKER = join(dir, "crash");
    const d = new WorkerDecoder({ logger: createMemoryLogger(), workerUrl, decodeTimeoutMs: 5000 });
    await d.start();
    await expect(d.decode(frame, "fast")).rejects.toMatchObject({ code: "DECODER_CRASHED" });
    await expect(d.decode(frame, "fast")).resolves.toMatchObject({ symbols: [] });
    expect(d.restarts).toBe(1);
    await d.stop();
  });

  it("refuses a second decode while one is in flight (the scanner never queues)", async () => {
    process.env.MISBEHAVE = "ok";
    process.env.MISBEHAVE_MARKER = "";
    const d = new WorkerDecoder({ logger: createMemoryLogger() });
    await d.start();
    const first = d.decode(frame, "fast");
    await expect(d.decode(frame, "fast")).rejects.toMatchObject({ code: "DECODER_BUSY" });
    await first;
    await d.stop();
    await expect(d.decode(frame, "fast")).rejects.toMatchObject({ code: "DECODER_STOPPED" });
  });
});
