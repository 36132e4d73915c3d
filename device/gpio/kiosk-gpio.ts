// The kiosk's GPIO roles on any backend: gate relay pulse, LEDs with blink, buzzer patterns, debounced staff button, door sensor.
import type { Clock, DriverHealth, HealthReporter, Logger } from "../health.js";
import type {
  Bit,
  BuzzerPatternName,
  GpioBackend,
  GpioConfig,
  GpioConfigInput,
  GpioTransition,
  InputLine,
  InputRole,
  OutputLine,
  OutputRole,
} from "./types.js";
import { GpioError, gpioConfigSchema, inputRoles, outputRoles } from "./types.js";

const HISTORY_LIMIT = 500;

export type LedMode = "on" | "off" | { blink: { onMs: number; offMs: number; count?: number } };

export interface KioskGpioDeps {
  backend: GpioBackend;
  config: GpioConfigInput;
  logger: Logger;
  clock: Clock;
}

interface InputState {
  line: InputLine;
  stable: Bit;
  raw: Bit;
  timer: NodeJS.Timeout | undefined;
  debounceMs: number;
}

export class KioskGpio implements HealthReporter {
  readonly config: GpioConfig;
  /** The last HISTORY_LIMIT logical output changes and debounced input changes, by role. */
  readonly history: GpioTransition[] = [];
  private readonly log: Logger;
  private readonly outputs = new Map<OutputRole, OutputLine>();
  private readonly inputs = new Map<InputRole, InputState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly desired = new Map<OutputRole, Bit>();
  private readonly chains = new Map<OutputRole, Promise<void>>();
  private readonly buttonListeners = new Set<() => void>();
  private readonly doorListeners = new Set<(open: boolean) => void>();
  private gateRelease: (() => void) | undefined;
  private running = false;
  private lastErrorCode: string | undefined;
  private lastErrorMessage: string | undefined;
  buttonPresses = 0;
  gatePulses = 0;

  constructor(private readonly deps: KioskGpioDeps) {
    this.config = gpioConfigSchema.parse(deps.config);
    this.log = deps.logger.child({ ns: "kiosk:gpio", driver: deps.backend.driver });
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.deps.backend.open();
    try {
      for (const role of outputRoles) {
        const c = this.config[role];
        if (c) this.outputs.set(role, await this.deps.backend.output(c.line, { activeLow: c.activeLow, initial: 0 }));
      }
      for (const role of inputRoles) {
        const c = this.config[role];
        if (!c) continue;
        const state: InputState = { line: undefined as unknown as InputLine, stable: 0, raw: 0, timer: undefined, debounceMs: c.debounceMs };
        state.line = await this.deps.backend.input(c.line, { activeLow: c.activeLow, bias: c.bias }, (v) => this.onRaw(role, v));
        state.stable = state.raw = await state.line.read();
        this.inputs.set(role, state);
      }
    } catch (err) {
      await this.releaseAll();
      await this.deps.backend.close();
      throw err;
    }
    this.running = true;
    this.log.info({ outputs: [...this.outputs.keys()], inputs: [...this.inputs.keys()] }, "gpio ready");
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.gateRelease?.();
    this.gateRelease = undefined;
    for (const [role, out] of this.outputs) await this.write(role, out, 0);
    await Promise.all(this.chains.values());
    await this.releaseAll();
    this.desired.clear();
    this.chains.clear();
    await this.deps.backend.close();
  }

  /** Opens the entrance gate relay for `ms` (default from config); a pulse during a pulse extends it. Resolves when the relay drops. */
  pulseGate(ms?: number): Promise<void> {
    const out = this.requireOutput("gate");
    const duration = ms ?? this.config.gate?.pulseMs ?? 800;
    this.gatePulses++;
    this.gateRelease?.();
    void this.write("gate", out, 1);
    return new Promise<void>((resolve) => {
      this.gateRelease = resolve;
      this.schedule("gate", duration, () => {
        this.gateRelease = undefined;
        void this.write("gate", out, 0).then(resolve);
      });
    });
  }

  /** Sets an LED on, off or blinking (count blinks, or until changed). */
  setLed(color: "green" | "red", mode: LedMode): void {
    const role: OutputRole = color === "green" ? "greenLed" : "redLed";
    const out = this.requireOutput(role);
    this.cancel(role);
    if (mode === "on" || mode === "off") {
      void this.write(role, out, mode === "on" ? 1 : 0);
      return;
    }
    const { onMs, offMs, count } = mode.blink;
    let remaining = count ?? Number.POSITIVE_INFINITY;
    const on = (): void => {
      if (remaining-- <= 0) return;
      void this.write(role, out, 1);
      this.schedule(role, onMs, () => {
        void this.write(role, out, 0);
        this.schedule(role, offMs, on);
      });
    };
    on();
  }

  /** Plays a named pattern from config or explicit on/off durations; a new pattern replaces the one playing. Resolves when done. */
  buzz(pattern: BuzzerPatternName | readonly number[]): Promise<void> {
    const out = this.requireOutput("buzzer");
    const steps = typeof pattern === "string" ? this.config.buzzerPatterns[pattern] : pattern;
    this.cancel("buzzer");
    return new Promise<void>((resolve) => {
      const step = (i: number): void => {
        if (i >= steps.length) {
          void this.write("buzzer", out, 0).then(() => resolve());
          return;
        }
        void this.write("buzzer", out, i % 2 === 0 ? 1 : 0);
        this.schedule("buzzer", steps[i] ?? 0, () => step(i + 1));
      };
      step(0);
    });
  }

  /** Debounced presses of the staff-call button. */
  onButtonPress(listener: () => void): () => void {
    this.buttonListeners.add(listener);
    return () => this.buttonListeners.delete(listener);
  }

  /** Debounced door sensor changes (true = open). */
  onDoorChange(listener: (open: boolean) => void): () => void {
    this.doorListeners.add(listener);
    return () => this.doorListeners.delete(listener);
  }

  doorOpen(): boolean | null {
    const s = this.inputs.get("doorSensor");
    return s ? s.stable === 1 : null;
  }

  /** The value last asked for (it may still be on its way to the line). */
  outputState(role: OutputRole): Bit | null {
    const out = this.outputs.get(role);
    return out ? (this.desired.get(role) ?? out.value) : null;
  }

  health(): DriverHealth {
    const metrics: DriverHealth["metrics"] = { buttonPresses: this.buttonPresses, gatePulses: this.gatePulses };
    for (const role of outputRoles) metrics[role] = this.outputState(role);
    for (const role of inputRoles) metrics[role] = this.inputs.get(role)?.stable ?? null;
    return {
      component: "gpio",
      driver: this.deps.backend.driver,
      level: !this.running ? "down" : this.lastErrorCode ? "degraded" : "ok",
      ...(this.lastErrorCode ? { errorCode: this.lastErrorCode } : {}),
      ...(this.lastErrorMessage ? { message: this.lastErrorMessage } : {}),
      at: this.deps.clock.now(),
      metrics,
    };
  }

  private onRaw(role: InputRole, value: Bit): void {
    const s = this.inputs.get(role);
    if (!s) return;
    s.raw = value;
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    if (s.debounceMs === 0) {
      this.settle(role, s);
      return;
    }
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.settle(role, s);
    }, s.debounceMs);
  }

  private settle(role: InputRole, s: InputState): void {
    if (s.raw === s.stable || !this.running) return;
    s.stable = s.raw;
    this.record({ role, value: s.stable, at: this.deps.clock.now() });
    if (role === "staffButton") {
      if (s.stable !== 1) return;
      this.buttonPresses++;
      this.log.info("staff call button pressed");
      for (const l of this.buttonListeners) this.safe(() => l());
    } else {
      this.log.info({ open: s.stable === 1 }, "door sensor changed");
      for (const l of this.doorListeners) this.safe(() => l(s.stable === 1));
    }
  }

  /**
   * Writes are queued per line (a gpiod write replaces a process; two must not overlap) and compared
   * with the last value asked for, not the last one confirmed, so on-then-off in a row is never lost.
   */
  private write(role: OutputRole, out: OutputLine, value: Bit): Promise<void> {
    const pending = this.chains.get(role) ?? Promise.resolve();
    if ((this.desired.get(role) ?? out.value) === value) return pending;
    this.desired.set(role, value);
    const next = pending.then(async () => {
      try {
        await out.write(value);
        this.record({ role, value, at: this.deps.clock.now() });
      } catch (err) {
        this.lastErrorCode = err instanceof GpioError ? err.code : "GPIO_IO_FAILED";
        this.lastErrorMessage = err instanceof Error ? err.message : String(err);
        this.log.error({ code: this.lastErrorCode, role, err: this.lastErrorMessage }, "gpio write failed");
      }
    });
    this.chains.set(role, next);
    return next;
  }

  /** A blinking LED must not grow memory forever on a kiosk that runs for months. */
  private record(t: GpioTransition): void {
    this.history.push(t);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  private requireOutput(role: OutputRole): OutputLine {
    if (!this.running) throw new GpioError("GPIO_STOPPED", "gpio service is stopped");
    const out = this.outputs.get(role);
    if (!out) throw new GpioError("GPIO_ROLE_NOT_CONFIGURED", `no line configured for ${role}`);
    return out;
  }

  private schedule(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (this.running) fn();
      }, ms),
    );
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: String(err) }, "gpio listener threw");
    }
  }

  private async releaseAll(): Promise<void> {
    for (const s of this.inputs.values()) {
      if (s.timer) clearTimeout(s.timer);
      await s.line.release().catch(() => undefined);
    }
    for (const o of this.outputs.values()) await o.release().catch(() => undefined);
    this.inputs.clear();
    this.outputs.clear();
  }
}
