// The install scripts against a fake root (dry run changes nothing, twice = once, uninstall removes what install added) and the unit files through systemd-analyze.
import { it, expect, beforeEach, afterEach } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHubConfig } from "../hub/config.js";
import { requireTool } from "./support/requires.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
// Absent tools skip these suites unless CI or REQUIRE_<TOOL>=1 (see test/support/requires.ts).
const fakeRootTools = requireTool("root", "useradd");
const openssl = requireTool("openssl");
const systemdAnalyze = requireTool("systemd-analyze");

/** Every path under root with mode, owner, size, content hash or link target; shadow-utils' backups (passwd-) left out. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (/^etc\/(passwd|group|shadow|gshadow)-$/.test(rel)) continue;
      const st = lstatSync(p);
      const meta = `${rel} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.push(`${meta} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${meta}/`);
        walk(p);
      } else out.push(`${meta} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`);
    }
  };
  walk(root);
  return out;
}

function run(script: string, args: string[]): { code: number; out: string } {
  const r = spawnSync("bash", [join(repo, "deploy", script), ...args], { encoding: "utf8" });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const actions = (out: string): string[] => out.split("\n").filter((l) => l.startsWith("+ "));

/** A Debian-like root with the standard folders, a root user, a video group (as on Raspberry Pi OS) and a node that runs TypeScript. */
function fakeRoot(dir: string): string {
  const root = join(dir, "root");
  for (const d of ["etc/systemd/system", "etc/mosquitto", "opt", "usr/bin", "usr/local/bin", "var/lib"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nvideo:x:44:\n");
  writeFileSync(join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o640 });
  writeFileSync(join(root, "etc/gshadow"), "root:*::\nvideo:*::\n", { mode: 0o640 });
  writeFileSync(join(root, "etc/mosquitto/mosquitto.conf"), "pid_file /run/mosquitto/mosquitto.pid\ninclude_dir /etc/mosquitto/conf.d\n");
  writeFileSync(join(root, "usr/bin/node"), `#!/bin/sh\n[ "$1" = --version ] && echo v22.12.0 && exit 0\nexec ${join(repo, "node_modules/.bin/tsx")} "$@"\n`);
  chmodSync(join(root, "usr/bin/node"), 0o755);
  return root;
}

/** A release bundle whose CLIs are the real ones (run from the TypeScript sources) and whose dependencies are a stand-in. */
function fakeBundle(dir: string): string {
  const b = join(dir, "bundle");
  mkdirSync(join(b, "dist/device"), { recursive: true });
  mkdirSync(join(b, "dist/hub"), { recursive: true });
  mkdirSync(join(b, "node_modules/left-pad"), { recursive: true });
  const io = "{ stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env, fetch, isTTY: false }";
  writeFileSync(
    join(b, "dist/hub/cli.js"),
    `const { runHubctl } = await import(${JSON.stringify(join(repo, "hub/cli.ts"))});\nprocess.exitCode = await runHubctl(process.argv.slice(2), ${io});\n`,
  );
  writeFileSync(
    join(b, "dist/device/cli.js"),
    `const { runKioskctl } = await import(${JSON.stringify(join(repo, "device/cli.ts"))});\nprocess.exitCode = await runKioskctl(process.argv.slice(2), ${io});\n`,
  );
  writeFileSync(join(b, "dist/device/main.js"), "// stand-in\n");
  writeFileSync(join(b, "dist/hub/main.js"), "// stand-in\n");
  writeFileSync(join(b, "package.json"), '{"name":"member-kiosk","version":"0.0.0-test","type":"module"}\n');
  writeFileSync(join(b, "package-lock.json"), "{}\n");
  writeFileSync(join(b, "node_modules/.member-kiosk-bundle"), "");
  writeFileSync(join(b, "node_modules/left-pad/index.js"), "export default 1;\n");
  cpSync(join(repo, "systemd"), join(b, "systemd"), { recursive: true });
  return b;
}

function passwdEntry(root: string, file: "passwd" | "group", name: string): string[] | undefined {
  return readFileSync(join(root, "etc", file), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`))
    ?.split(":");
}

fakeRootTools.describe("deploy scripts on a fake root", () => {
  let dir: string;
  let root: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "deploy-"));
    root = fakeRoot(dir);
    bundle = fakeBundle(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("kiosk: --dry-run prints every action and changes nothing", () => {
    const before = snapshot(root);
    const r = run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--dry-run"]);
    expect(r.code, r.out).toBe(0);
    const acts = actions(r.out).join("\n");
    for (const a of [
      "groupadd --prefix",
      "useradd --prefix",
      "usermod --prefix",
      "member-kiosk.service",
      "systemctl --root=",
      "/usr/local/bin/kioskctl",
      "/var/lib/member-kiosk",
      "/etc/member-kiosk/kiosk.json",
    ]) {
      expect(acts).toContain(a);
    }
    expect(snapshot(root)).toEqual(before);
  });

  it("kiosk: installs once, a second run changes nothing, uninstall and purge remove what it added", () => {
    const before = snapshot(root);
    const first = run("install-kiosk.sh", ["--root", root, "--bundle", bundle]);
    expect(first.code, first.out).toBe(0);
    const installed = snapshot(root);

    const user = passwdEntry(root, "passwd", "member-kiosk");
    expect(user?.[6]).toBe("/usr/sbin/nologin");
    for (const g of ["gpio", "video", "lp"]) expect(passwdEntry(root, "group", g)?.[3]?.split(",")).toContain("member-kiosk");
    expect(readFileSync(join(root, "etc/systemd/system/member-kiosk.service"), "utf8")).toBe(readFileSync(join(repo, "systemd/kiosk.service"), "utf8"));
    expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/member-kiosk.service"))).toBe("/etc/systemd/system/member-kiosk.service");
    const state = statSync(join(root, "var/lib/member-kiosk"));
    expect([state.mode & 0o777, String(state.uid)]).toEqual([0o750, user?.[2]]);
    const conf = statSync(join(root, "etc/member-kiosk/kiosk.json"));
    expect([conf.mode & 0o777, conf.uid, String(conf.gid)]).toEqual([0o640, 0, passwdEntry(root, "group", "member-kiosk")?.[2]]);
    expect(statSync(join(root, "usr/local/bin/kioskctl")).mode & 0o777).toBe(0o755);

    // The installed kioskctl runs and validates the template: no identity until provisioning.
    const check = spawnSync(
      join(root, "usr/bin/node"),
      [join(root, "opt/member-kiosk/dist/device/cli.js"), "check-config", "--config", join(root, "etc/member-kiosk/kiosk.json")],
      { encoding: "utf8" },
    );
    expect(check.status).toBe(78);
    expect(check.stderr).toMatch(/deviceId/);

    const second = run("install-kiosk.sh", ["--root", root, "--bundle", bundle]);
    expect(second.code, second.out).toBe(0);
    expect(actions(second.out)).toEqual([]);
    expect(snapshot(root)).toEqual(installed);

    const un = run("install-kiosk.sh", ["--root", root, "--uninstall"]);
    expect(un.code, un.out).toBe(0);
    for (const gone of [
      "opt/member-kiosk",
      "usr/local/bin/kioskctl",
      "etc/systemd/system/member-kiosk.service",
      "etc/systemd/system/multi-user.target.wants/member-kiosk.service",
    ]) {
      expect(existsSync(join(root, gone)) || lstatSync(join(root, gone), { throwIfNoEntry: false }) !== undefined, gone).toBe(false);
    }
    // The ledger, the config and the user stay until --purge.
    expect(existsSync(join(root, "var/lib/member-kiosk"))).toBe(true);
    expect(passwdEntry(root, "passwd", "member-kiosk")).toBeDefined();

    const purge = run("install-kiosk.sh", ["--root", root, "--uninstall", "--purge"]);
    expect(purge.code, purge.out).toBe(0);
    expect(snapshot(root).filter((l) => !l.startsWith("etc/systemd/system/multi-user.target.wants"))).toEqual(before);
  });

  it("kiosk: --runtime bun adds a drop-in; bad options exit 2", () => {
    const r = run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--runtime", "bun", "--skip-runtime"]);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(root, "etc/systemd/system/member-kiosk.service.d/runtime.conf"), "utf8")).toContain(
      "ExecStart=/usr/local/bin/bun /opt/member-kiosk/dist/device/main.js",
    );
    expect(run("install-kiosk.sh", ["--root", root, "--runtime", "deno"]).code).toBe(2);
    expect(run("install-kiosk.sh", ["--root", root, "--hub", "http://x"]).code).toBe(2);
    expect(run("install-kiosk.sh", ["--bogus"]).code).toBe(2);
  });

  it("kiosk: sets up time: timesyncd against the store's NTP source, the saved clock restored at boot and saved at shutdown and every 15 minutes", () => {
    const dry = run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--ntp", "ntp.store.lan 192.168.1.1", "--dry-run"]);
    expect(dry.code, dry.out).toBe(0);
    const dryActs = actions(dry.out).join("\n");
    for (const a of [
      "timesyncd.conf.d/member-kiosk.conf",
      "/usr/local/lib/member-kiosk/saved-clock",
      "enable member-clock-restore.service",
      "enable member-clock-save.timer",
    ])
      expect(dryActs).toContain(a);

    const first = run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--ntp", "ntp.store.lan 192.168.1.1"]);
    expect(first.code, first.out).toBe(0);
    expect(readFileSync(join(root, "etc/systemd/timesyncd.conf.d/member-kiosk.conf"), "utf8")).toMatch(
      /^\[Time\]\nNTP=ntp\.store\.lan 192\.168\.1\.1\nFallbackNTP=\n/m,
    );
    expect(readlinkSync(join(root, "etc/systemd/system/sysinit.target.wants/member-clock-restore.service"))).toBe(
      "/etc/systemd/system/member-clock-restore.service",
    );
    expect(readlinkSync(join(root, "etc/systemd/system/timers.target.wants/member-clock-save.timer"))).toBe("/etc/systemd/system/member-clock-save.timer");
    const restore = readFileSync(join(root, "etc/systemd/system/member-clock-restore.service"), "utf8");
    for (const line of [
      "ExecStart=/usr/local/lib/member-kiosk/saved-clock restore",
      "ExecStop=/usr/local/lib/member-kiosk/saved-clock save",
      "Before=time-set.target sysinit.target shutdown.target systemd-timesyncd.service",
      "DefaultDependencies=no",
    ])
      expect(restore).toContain(line);
    expect(readFileSync(join(root, "etc/systemd/system/member-clock-save.timer"), "utf8")).toContain("OnUnitActiveSec=15min");
    expect(statSync(join(root, "usr/local/lib/member-kiosk/saved-clock")).mode & 0o777).toBe(0o755);
    // The kiosk reads its clock state from timesyncd.
    expect(JSON.parse(readFileSync(join(root, "etc/member-kiosk/kiosk.json"), "utf8")).clock).toEqual({ driver: "timesyncd" });

    // Again without --ntp: nothing changes (the NTP source is kept); a new --ntp replaces it.
    const again = run("install-kiosk.sh", ["--root", root, "--bundle", bundle]);
    expect(again.code, again.out).toBe(0);
    expect(actions(again.out)).toEqual([]);
    expect(again.out).toContain("keeping ntp.store.lan 192.168.1.1");
    const moved = run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--ntp", "hub.acme.lan"]);
    expect(actions(moved.out)).toHaveLength(1);
    expect(readFileSync(join(root, "etc/systemd/timesyncd.conf.d/member-kiosk.conf"), "utf8")).toContain("NTP=hub.acme.lan\n");
    // Only host names or addresses reach the config file.
    expect(run("install-kiosk.sh", ["--root", root, "--bundle", bundle, "--ntp", "x\nFallbackNTP=evil"]).code).toBe(2);

    const un = run("install-kiosk.sh", ["--root", root, "--uninstall"]);
    expect(un.code, un.out).toBe(0);
    for (const gone of [
      "etc/systemd/timesyncd.conf.d",
      "usr/local/lib/member-kiosk",
      "etc/systemd/system/member-clock-restore.service",
      "etc/systemd/system/member-clock-save.timer",
      "etc/systemd/system/sysinit.target.wants/member-clock-restore.service",
    ]) {
      expect(lstatSync(join(root, gone), { throwIfNoEntry: false }), gone).toBeUndefined();
    }
  });

  it("saved-clock: saves the time, never moves it back unless NTP synchronised, restores only forward", () => {
    const script = join(repo, "deploy/saved-clock.sh");
    const state = join(dir, "clock/saved");
    const clock = (...args: string[]): { code: number; out: string } => {
      const r = spawnSync("sh", [script, ...args, "--state", state, "--synced-flag", join(dir, "synchronized")], { encoding: "utf8" });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    expect(clock("restore", "--dry-run").out).toContain("nothing saved yet");
    const before = Math.floor(Date.now() / 1000);
    expect(clock("save").code).toBe(0);
    const saved = Number(readFileSync(state, "utf8"));
    expect(saved).toBeGreaterThanOrEqual(before);
    expect(clock("restore", "--dry-run").out).toContain("not behind the saved time");
    // A kiosk that booted 2 h behind is set forward to the saved time...
    const ahead = before + 2 * 3600;
    writeFileSync(state, `${ahead}\n`);
    expect(clock("restore", "--dry-run").out).toContain(`would set the clock to @${ahead}`);
    // ...and its wrong clock never overwrites the saved time, until NTP says the clock is right.
    expect(clock("save").out).toContain("kept");
    expect(Number(readFileSync(state, "utf8"))).toBe(ahead);
    writeFileSync(join(dir, "synchronized"), "");
    expect(clock("save").code).toBe(0);
    expect(Number(readFileSync(state, "utf8"))).toBeLessThan(ahead);
    writeFileSync(state, "garbage\n");
    expect(clock("restore", "--dry-run").out).toContain("does not hold a time");
    expect(clock("bogus").code).toBe(2);
  });

  it.runIf(openssl.run)("hub: installs with Mosquitto, TLS and generated secrets; idempotent; purge restores the root", () => {
    const before = snapshot(root);
    const dry = run("install-hub.sh", ["--root", root, "--bundle", bundle, "--chain", "acme", "--broker-name", "hub.test", "--dry-run"]);
    expect(dry.code, dry.out).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(actions(dry.out).join("\n")).toContain("make-test-certs.sh");

    const first = run("install-hub.sh", ["--root", root, "--bundle", bundle, "--chain", "acme", "--broker-name", "hub.test", "--broker-ip", "192.0.2.10"]);
    expect(first.code, first.out).toBe(0);
    const installed = snapshot(root);
    const config = parseHubConfig(JSON.parse(readFileSync(join(root, "etc/member-hub/hub.json"), "utf8")));
    expect(config).toMatchObject({
      chainId: "acme",
      broker: { mode: "external", url: "mqtts://hub.test:8883", caFile: "/etc/mosquitto/member-kiosk/certs/ca.pem" },
      mosquitto: { passwordFile: "/etc/mosquitto/member-kiosk/passwd", aclFile: "/etc/mosquitto/member-kiosk/acl" },
      provisioning: { brokerUrl: "mqtts://hub.test:8883" },
      // A one-box hub applies ledger batches in its ingest worker, so the console and API answer during a catch-up.
      store: { kind: "sqlite", ingestWorkers: 1 },
    });
    for (const secret of ["broker-password", "admin-token", "admin-token.sha256"]) {
      const st = statSync(join(root, "etc/member-hub", secret));
      expect([st.mode & 0o777, st.uid], secret).toEqual([0o600, 0]);
    }
    const token = readFileSync(join(root, "etc/member-hub/admin-token"), "utf8").trim();
    expect(readFileSync(join(root, "etc/member-hub/admin-token.sha256"), "utf8").trim()).toBe(createHash("sha256").update(token).digest("hex"));
    const mq = statSync(join(root, "etc/mosquitto/member-kiosk"));
    expect([mq.mode & 0o7777, String(mq.uid), String(mq.gid)]).toEqual([
      0o2750,
      passwdEntry(root, "passwd", "member-hub")?.[2],
      passwdEntry(root, "group", "mosquitto")?.[2],
    ]);
    const dropin = readFileSync(join(root, "etc/mosquitto/conf.d/member-kiosk.conf"), "utf8");
    for (const line of [
      "allow_anonymous false",
      "listener 8883",
      "password_file /etc/mosquitto/member-kiosk/passwd",
      "acl_file /etc/mosquitto/member-kiosk/acl",
      "cafile /etc/mosquitto/member-kiosk/certs/ca.pem",
    ]) {
      expect(dropin).toContain(line);
    }
    const cert = spawnSync("openssl", ["x509", "-in", join(root, "etc/mosquitto/member-kiosk/certs/server.pem"), "-noout", "-ext", "subjectAltName"], {
      encoding: "utf8",
    });
    expect(cert.stdout).toMatch(/DNS:hub\.test.*IP Address:192\.0\.2\.10/s);
    expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/member-mosquitto-reload.path"))).toBe(
      "/etc/systemd/system/member-mosquitto-reload.path",
    );
    expect(readFileSync(join(root, "usr/local/bin/hubctl"), "utf8")).toContain("HUBCTL_TOKEN_FILE:=/etc/member-hub/admin-token");

    const second = run("install-hub.sh", ["--root", root, "--bundle", bundle, "--chain", "acme", "--broker-name", "hub.test", "--broker-ip", "192.0.2.10"]);
    expect(second.code, second.out).toBe(0);
    expect(actions(second.out)).toEqual([]);
    expect(snapshot(root)).toEqual(installed);

    const purge = run("install-hub.sh", ["--root", root, "--uninstall", "--purge"]);
    expect(purge.code, purge.out).toBe(0);
    expect(snapshot(root).filter((l) => !l.startsWith("etc/systemd/system/multi-user.target.wants") && !l.startsWith("etc/mosquitto/conf.d"))).toEqual(before);
  });
});

/** Overall exposure from `systemd-analyze security --offline=yes` (lower is better, 0-10). */
function exposure(unitFile: string): number {
  const r = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", unitFile], { encoding: "utf8" });
  const m = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`no exposure figure: ${r.stdout.slice(-300)} ${r.stderr}`);
  return Number(m[1]);
}

systemdAnalyze.describe("unit files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "units-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The units under their installed names; ExecStart pointed at this machine's node when /usr/bin/node is absent. */
  function installedNames(): string[] {
    const names: Array<[string, string]> = [
      ["kiosk.service", "member-kiosk.service"],
      ["hub.service", "member-hub.service"],
      ["mosquitto-reload.path", "member-mosquitto-reload.path"],
      ["mosquitto-reload.service", "member-mosquitto-reload.service"],
    ];
    return names.map(([from, to]) => {
      const dest = join(dir, to);
      copyFileSync(join(repo, "systemd", from), dest);
      if (!existsSync("/usr/bin/node")) writeFileSync(dest, readFileSync(dest, "utf8").replaceAll("/usr/bin/node", process.execPath));
      return dest;
    });
  }

  it("pass systemd-analyze verify without a warning", () => {
    const files = installedNames();
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...files], { encoding: "utf8" });
    expect(r.stderr.trim()).toBe("");
    expect(r.status).toBe(0);
  });

  it("time units (saved clock) pass systemd-analyze verify", () => {
    const files = ["clock-restore.service", "clock-save.service", "clock-save.timer"].map((f) => {
      const dest = join(dir, `member-${f}`);
      writeFileSync(
        dest,
        readFileSync(join(repo, "systemd", f), "utf8").replaceAll("/usr/local/lib/member-kiosk/saved-clock", join(repo, "deploy/saved-clock.sh")),
      );
      return dest;
    });
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...files], { encoding: "utf8" });
    expect(r.stderr.trim()).toBe("");
    expect(r.status).toBe(0);
  });

  it("keep the systemd-analyze security exposure low (figures in the README)", () => {
    const [kiosk, hub] = installedNames();
    const k = exposure(kiosk!);
    const h = exposure(hub!);
    process.stdout.write(`systemd-analyze security: member-kiosk.service ${k}, member-hub.service ${h}\n`);
    expect(k).toBeLessThanOrEqual(2.5);
    expect(h).toBeLessThanOrEqual(2.0);
  });

  it("keep the kiosk's hardware reachable and notify/watchdog on", () => {
    const unit = readFileSync(join(repo, "systemd/kiosk.service"), "utf8");
    for (const line of [
      "Type=notify",
      "NotifyAccess=all",
      "WatchdogSec=30",
      "Restart=always",
      "StateDirectory=member-kiosk",
      "SupplementaryGroups=gpio video lp",
      "DeviceAllow=char-gpiochip rw",
      "DeviceAllow=char-video4linux rw",
      "DeviceAllow=char-usb rw",
    ]) {
      expect(unit).toContain(line);
    }
    expect(unit).not.toMatch(/^(PrivateDevices|ProtectKernelTunables|MemoryDenyWriteExecute)=yes/m);
  });
});
