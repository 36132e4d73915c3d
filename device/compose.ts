// The kiosk's composition root: buildKiosk() opens the ledger and builds every part from the config and the hardware; Kiosk.start() starts them.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { OffsetClock, type Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../runtime/log.js";
import { readSecretFile } from "../runtime/config-env.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";
import { SqliteReplayStore } from "./replay-store.js";
import { KioskSync } from "./sync.js";
import { Checkout } from "./session/index.js";
import { Gate } from "./gate.js";
import { Returns } from "./returns.js";
import { StaffAuth } from "./staff-auth.js";
import { systemTimers, type Timers } from "./session/timers.js";
import type { KioskConfig } from "./config.js";
import { StorageGuard } from "./storage-guard.js";
import { ClockStatus, createClockSync } from "./clock-sync/index.js";
import { KioskHealth, type NamedReporter } from "./kiosk-health.js";
import { ChangeFeed, Kiosk, type KioskHardware } from "./kiosk.js";
import { KioskCommands } from "./commands.js";
import { LastReceiptPrinter, commandActions } from "./command-actions.js";
import { softwareVersion } from "./version.js";

/** The open ledger: the composition root opens it first so parts built outside the kiosk (the watchdog) can read it. */
export interface KioskLedger {
  db: Database;
  store: KioskStore;
}

export async function openKioskLedger(config: Pick<KioskConfig, "dataDir">): Promise<KioskLedger> {
  mkdirSync(config.dataDir, { recursive: true });
  const db = await openDatabase(join(config.dataDir, "kiosk.db"));
  try {
    migrate(db, KIOSK_MIGRATIONS);
    return { db, store: new KioskStore(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface KioskDeps {
  hardware: KioskHardware;
  /** The system clock; the kiosk corrects it by the hub's offset. */
  clock: Clock;
  log: Logger;
  /** The device secret, read once by the caller (main.ts fails early on it); read from config.hub.passwordFile when absent. */
  password?: string;
  /** An already open ledger (main.ts opens it for the watchdog); opened here when absent. */
  ledger?: KioskLedger;
  /** Health reporters beyond the hardware's (the systemd watchdog). */
  reporters?: readonly NamedReporter[];
  /** Injected time and chance for the session, gate and returns (tests pass manual timers and a fixed random). */
  timers?: Timers;
  random?: () => number;
  /** How a remote "restart the service" ends this process (main.ts: a clean stop; systemd starts it again); absent: the command is answered as unavailable. */
  restart?: () => void;
}

/** Builds the kiosk's object graph; nothing is started (Kiosk.start() does that). */
export async function buildKiosk(config: KioskConfig, deps: KioskDeps): Promise<Kiosk> {
  const { hardware, log } = deps;
  const password = deps.password ?? readSecretFile(config.hub.passwordFile, "device secret");
  const { db, store } = deps.ledger ?? (await openKioskLedger(config));
  const clock = new OffsetClock(deps.clock);
  const timers = deps.timers ?? systemTimers();
  const changes = new ChangeFeed(log);
  const onChange = (): void => changes.emit();
  const storage = new StorageGuard({ db, clock, timers, log: ns(log, "kiosk:storage"), probeIntervalMs: config.storage.probeIntervalMs, onChange });
  const clockStatus = new ClockStatus({
    source: createClockSync(config.clock),
    clock,
    timers,
    log: ns(log, "kiosk:clock"),
    pollMs: config.clock.pollMs,
    onChange,
  });
  const health = new KioskHealth(
    [
      { name: "scanner", reporter: hardware.scanner },
      { name: "printer", reporter: hardware.printer },
      { name: "gpio", reporter: hardware.indicator },
      ...hardware.reporters,
      ...(deps.reporters ?? []),
      { name: "storage", reporter: storage },
      { name: "clock", reporter: clockStatus },
    ],
    clock,
    ns(log, "kiosk:hw"),
  );
  const sync = new KioskSync(
    {
      address: { chainId: config.chainId, storeId: config.storeId, deviceId: config.deviceId },
      url: config.hub.url,
      username: config.hub.username,
      password,
      trustedKeys: config.hub.trustedKeys,
      protocolVersion: config.hub.protocolVersion,
      ...(config.hub.caFile ? { ca: readFileSync(config.hub.caFile) } : {}),
      statusExtras: () => ({ health: health.report(), software: softwareVersion() }),
    },
    store,
    clock,
    deps.clock,
    ns(log, "kiosk:sync"),
  );
  // A bundle whose rules fail the cross-checks is refused before it replaces the one in force (one without its catalog: with the catalog held).
  sync.onConfig((content) => {
    sync.checkBundle(content);
  });
  const onCommitted = (): void => sync.flush();
  const current = () => sync.current;
  // Durable, so a code accepted just before a restart is not accepted again after it.
  const replay = new SqliteReplayStore(db);
  // The checkout prints through it, so a remote "reprint the last receipt" has one.
  const receipts = new LastReceiptPrinter(hardware.printer);
  const checkout = new Checkout({
    store,
    config: current,
    clock,
    replay,
    printer: receipts,
    indicator: hardware.indicator,
    deviceId: config.deviceId,
    log: ns(log, "kiosk:checkout"),
    onCommitted,
    authorize: (req, deadlineMs) => sync.authorize(req, deadlineMs),
    timers,
    storage,
    clockStatus,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const gate = new Gate({
    store,
    config: current,
    clock,
    replay,
    relay: hardware.indicator,
    deviceId: config.deviceId,
    log: ns(log, "kiosk:gate"),
    timers,
    onCommitted,
  });
  const returns = new Returns({
    store,
    config: current,
    clock,
    timers,
    deviceId: config.deviceId,
    log: ns(log, "kiosk:returns"),
    printer: hardware.printer,
    onCommitted,
    kioskFree: () => ["idle", "done", "cancelled"].includes(checkout.current.name),
  });
  const staff = new StaffAuth({ policy: () => sync.current?.device, clock, log: ns(log, "kiosk:staff") });
  const printRaw = hardware.printer.printRaw?.bind(hardware.printer);
  const commands = new KioskCommands({
    address: { chainId: config.chainId, storeId: config.storeId, deviceId: config.deviceId },
    trustedKeys: config.hub.trustedKeys,
    clock,
    log: ns(log, "kiosk:commands"),
    send: (r) => sync.sendCommandResult(r),
    actions: commandActions({
      deviceId: config.deviceId,
      clock,
      config: current,
      indicator: hardware.indicator,
      printer: receipts,
      printRaw,
      members: { requestMembers: () => sync.requestMembers(), cursor: () => store.memberCursor(), count: () => store.memberCount() },
      busy: () =>
        !["idle", "done", "cancelled"].includes(checkout.current.name)
          ? "a sale is in progress"
          : returns.current.name !== "idle" && returns.current.name !== "done"
            ? "a return is in progress"
            : undefined,
      restart: deps.restart,
    }),
  });
  sync.onCommand((payload) => void commands.onMessage(payload));
  return new Kiosk({ config, hardware, clock, log, db, store, sync, checkout, gate, returns, staff, storage, clockStatus, health, changes, commands });
}
