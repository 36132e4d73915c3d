// The raw broker baseline for the sync benches: mosquitto_pub -> mosquitto_sub at QoS 1, messages of a given size.
import { spawn } from "node:child_process";
import type { RunningMosquitto } from "../test/mosquitto.js";

/** Raw broker throughput (messages/s): mosquitto_pub -l sends `n` lines of `bytes` each, mosquitto_sub counts them. */
export async function rawThroughput(m: RunningMosquitto, n: number, bytes: number): Promise<number> {
  const topic = "bench/raw";
  const sub = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(m.port), "-t", topic, "-q", "1", "-C", String(n)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  sub.stdout.resume();
  await new Promise((r) => setTimeout(r, 300));
  const line = "x".repeat(bytes);
  const started = performance.now();
  const pub = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(m.port), "-t", topic, "-q", "1", "-l"], { stdio: ["pipe", "ignore", "inherit"] });
  for (let i = 0; i < n; i++) pub.stdin.write(`${line}\n`);
  pub.stdin.end();
  await new Promise((r) => sub.once("exit", r));
  return n / ((performance.now() - started) / 1000);
}
