// What the checkout session is given (device/compose.ts builds it): ledger, config, clock, printer, indicator, the hub's authoriser, timers.
import type { Logger } from "../../runtime/log.js";
import type { Clock } from "../../protocol/clock.js";
import type { ReplayStore } from "../../protocol/member-code.js";
import type { AuthRequest, AuthResponse, ConfigContent } from "../../protocol/messages.js";
import type { ReceiptData } from "../printer/types.js";
import type { KioskStore } from "../store.js";
import type { StorageGate } from "../storage-guard.js";
import type { Timers } from "./timers.js";

export interface CheckoutPrinter {
  print(receipt: ReceiptData): Promise<unknown>;
}

export interface Indicator {
  success(): void;
  failure(): void;
}

export interface CheckoutDeps {
  store: KioskStore;
  config: () => ConfigContent | undefined;
  /** The hub-corrected clock. */
  clock: Clock;
  replay: ReplayStore;
  printer: CheckoutPrinter;
  indicator: Indicator;
  deviceId: string;
  log: Logger;
  /** Called after a fact is committed (the sync sends the outbox). */
  onCommitted: () => void;
  /** Asks the hub to hold the amount; undefined when it does not answer within the deadline. */
  authorize: (req: AuthRequest, deadlineMs: number) => Promise<AuthResponse | undefined>;
  timers?: Timers;
  /** Uniform in [0, 1) for the one-in-N staff check; crypto-random unless a test passes its own. */
  random?: () => number;
  /** Whether the ledger can be written (device/storage-guard.ts); without it storage errors are not mapped. */
  storage?: StorageGate;
  /** Whether the verification clock is trusted (device/clock-sync/status.ts). */
  clockStatus?: { readonly unsynchronised: boolean };
}
