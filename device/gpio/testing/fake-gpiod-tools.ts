// Test helper: stand-ins for libgpiod's gpioset/gpioget/gpiomon, v1 or v2 (shell scripts over a state directory), to check the gpiod driver's command lines and process handling.
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface FakeGpiod {
  dir: string;
  state: string;
  setInput(line: number, value: 0 | 1): void;
  output(line: number): 0 | 1 | undefined;
  log(): string[];
}

export function makeFakeGpiod(root: string, version: 1 | 2 = 2): FakeGpiod {
  const dir = join(root, "bin");
  const state = join(root, "state");
  mkdirSync(dir, { recursive: true });
  mkdirSync(state, { recursive: true });
  const header = `#!/bin/sh\nS='${state}'\necho "$(basename "$0") $*" >> "$S/log"\nif [ "$1" = "--version" ]; then echo "$(basename "$0") (libgpiod) ${version === 1 ? "v1.6.3" : "v2.1.3"}"; exit 0; fi\nfor a in "$@"; do last="$a"; done\n`;
  const tools: Record<string, string> = {
    // Holds the line until killed, like the real gpioset.
    gpioset: `${header}off="\${last%%=*}"; val="\${last#*=}"\necho "$val" > "$S/out-$off"\nexec sleep 3600\n`,
    gpioget: `${header}cat "$S/in-$last" 2>/dev/null || echo 0\n`,
    gpiomon: `${header}touch "$S/events-$last"\nexec tail -n0 -F "$S/events-$last" 2>/dev/null\n`,
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), body);
    chmodSync(join(dir, name), 0o755);
  }
  return {
    dir,
    state,
    setInput(line, value) {
      writeFileSync(join(state, `in-${line}`), `${value}\n`);
      // gpiomon -F %e: v1 prints 1 rising / 0 falling, v2 prints 1 rising / 2 falling.
      appendFileSync(join(state, `events-${line}`), `${value === 1 ? 1 : version === 1 ? 0 : 2}\n`);
    },
    output(line) {
      try {
        const v = readFileSync(join(state, `out-${line}`), "utf8").trim();
        return v === "1" ? 1 : 0;
      } catch {
        return undefined;
      }
    },
    log() {
      try {
        return readFileSync(join(state, "log"), "utf8").trim().split("\n");
      } catch {
        return [];
      }
    },
  };
}
