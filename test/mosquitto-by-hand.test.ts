// Mosquitto set up by hand as docs/operations.md "Mosquitto by hand" says (make-test-certs --key-group, hubctl broker mosquitto-conf --create-auth-files, folders the mosquitto user can use): a real broker starts from it as root and drops to user mosquitto.
import { describe, it, expect, afterEach } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { runHubctl } from "../hub/cli.js";
import { waitUntil } from "../scripts/demo-env.js";
import { freePort, mosquittoBinary } from "./mosquitto.js";
import { requireTool } from "./support/requires.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const tools = requireTool("root", "mosquitto", "openssl");

function gid(group: string): number | undefined {
  const line = readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${group}:`));
  return line ? Number(line.split(":")[2]) : undefined;
}

async function hubctl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runHubctl(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env: {}, fetch, isTTY: false });
  return { code, out, err };
}

let dir: string | undefined;
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function startMosquitto(conf: string): Promise<{ proc: ChildProcess; log: () => string }> {
  const proc = spawn(mosquittoBinary()!, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  procs.push(proc);
  let out = "";
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await waitUntil(() => out.includes("running") || proc.exitCode !== null, "mosquitto started or exited", 10_000).catch(() => undefined);
  return { proc, log: () => out };
}

describe("hubctl broker mosquitto-conf help", () => {
  it("documents --bind, --persistence, --pid-file and --create-auth-files", async () => {
    const { out } = await hubctl(["--help"]);
    for (const flag of ["--bind ADDR", "--persistence DIR", "--pid-file F", "--create-auth-files"]) expect(out).toContain(flag);
  });

  it("refuses a value that would add a line to mosquitto.conf", async () => {
    const r = await hubctl(["broker", "mosquitto-conf", "--cafile", "/c", "--certfile", "/s", "--keyfile", "/k", "--pid-file", "/run/x\nallow_anonymous true"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--pid-file");
  });
});

tools.describe("Mosquitto by hand", () => {
  it("starts as root from the files the tools make, reading the key and the auth files as user mosquitto", async () => {
    const mosquittoGid = gid("mosquitto");
    if (mosquittoGid === undefined) throw new Error("no mosquitto group (apt-get install mosquitto)");
    dir = mkdtempSync(join(tmpdir(), "mosq-hand-"));
    chmodSync(dir, 0o755); // like /etc and /run: user mosquitto may pass through
    const certs = join(dir, "certs");
    const auth = join(dir, "member-kiosk");
    const run = join(dir, "run");
    const data = join(dir, "data");
    // The steps of docs/operations.md "Mosquitto by hand", with this folder for /etc/mosquitto and /run.
    const made = spawnSync("bash", [join(repo, "deploy/make-test-certs.sh"), certs, "--ip", "127.0.0.1", "--key-group", "mosquitto"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    // Valid from two days ago, so a kiosk whose clock restarted a little behind does not find it "not yet valid".
    for (const cert of ["ca.pem", "server.pem"]) {
      const start = spawnSync("openssl", ["x509", "-in", join(certs, cert), "-noout", "-startdate"], { encoding: "utf8" })
        .stdout.trim()
        .replace("notBefore=", "");
      expect(Date.now() - Date.parse(start), cert).toBeGreaterThan(47 * 3600_000);
    }
    const key = statSync(join(certs, "server.key"));
    expect([key.mode & 0o777, key.uid, key.gid]).toEqual([0o640, 0, mosquittoGid]);
    for (const [path, mode, owner] of [
      [auth, "2750", "root:mosquitto"],
      [run, "0755", "mosquitto:mosquitto"],
      [data, "0755", "mosquitto:mosquitto"],
    ] as const) {
      const r = spawnSync("install", ["-d", "-m", mode, "-o", owner.split(":")[0]!, "-g", owner.split(":")[1]!, path], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    }
    const hubJson = join(dir, "hub.json");
    writeFileSync(
      hubJson,
      JSON.stringify({
        chainId: "acme",
        dataDir: join(dir, "hub"),
        broker: { mode: "external", url: `mqtts://127.0.0.1:8883`, username: "hub", passwordFile: join(dir, "hub-password") },
        mosquitto: { passwordFile: join(auth, "passwd"), aclFile: join(auth, "acl") },
      }),
    );
    const port = await freePort();
    const pidFile = join(run, "mosquitto.pid");
    const conf = await hubctl([
      "broker",
      "mosquitto-conf",
      "--config",
      hubJson,
      "--cafile",
      join(certs, "ca.pem"),
      "--certfile",
      join(certs, "server.pem"),
      "--keyfile",
      join(certs, "server.key"),
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--pid-file",
      pidFile,
      "--persistence",
      data,
      "--create-auth-files",
    ]);
    expect(conf.code, conf.err).toBe(0);
    expect(conf.err).toContain(`created empty ${join(auth, "passwd")}`);
    for (const f of ["passwd", "acl"]) {
      const st = statSync(join(auth, f));
      // The setgid folder hands its group to the new files: the broker (group mosquitto) can read them.
      expect([st.size, st.mode & 0o777, st.gid], f).toEqual([0, 0o640, mosquittoGid]);
    }
    for (const line of [`listener ${port} 127.0.0.1`, `pid_file ${pidFile}`, `persistence_location ${data}/`, `password_file ${join(auth, "passwd")}`])
      expect(conf.out).toContain(line);
    // Run again: the files are kept, not emptied.
    writeFileSync(join(auth, "acl"), "# filled by the hub\n");
    expect(
      (await hubctl(["broker", "mosquitto-conf", "--config", hubJson, "--cafile", "/c", "--certfile", "/s", "--keyfile", "/k", "--create-auth-files"])).err,
    ).toContain("kept");
    expect(readFileSync(join(auth, "acl"), "utf8")).toBe("# filled by the hub\n");
    writeFileSync(join(dir, "mosquitto.conf"), conf.out);

    const broker = await startMosquitto(join(dir, "mosquitto.conf"));
    expect(broker.proc.exitCode, broker.log()).toBeNull();
    await waitUntil(() => existsSync(pidFile), "pid file written", 5_000);
    expect(Number(readFileSync(pidFile, "utf8").trim())).toBe(broker.proc.pid);
    // TLS works with the CA and the broker answers; anonymous clients are refused.
    const refused = await new Promise<string>((resolve) => {
      const c = mqtt.connect(`mqtts://127.0.0.1:${port}`, { ca: readFileSync(join(certs, "ca.pem")), reconnectPeriod: 0, connectTimeout: 5_000 });
      c.once("connect", () => {
        c.end(true);
        resolve("connected");
      });
      c.once("error", (err) => {
        c.end(true);
        resolve(err.message);
      });
    });
    expect(refused).toMatch(/Not authorized|Connection refused/i);

    // What the issue met: the key 0600 root, as make-test-certs wrote it before --key-group. User mosquitto cannot read it.
    chmodSync(join(certs, "server.key"), 0o600);
    broker.proc.kill("SIGTERM");
    await waitUntil(() => broker.proc.exitCode !== null || broker.proc.signalCode !== null, "broker stopped", 5_000);
    const broken = await startMosquitto(join(dir, "mosquitto.conf"));
    await waitUntil(() => broken.proc.exitCode !== null, "broker refuses to start", 10_000).catch(() => undefined);
    expect(broken.proc.exitCode, broken.log()).not.toBeNull();
    expect(broken.log()).toMatch(/key/i);
  }, 30_000);
});
