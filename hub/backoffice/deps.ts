// What every back-office route module is given: storage, clock, logger and the hub services they work through.
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { Logger } from "../../runtime/log.js";
import type { ReplayGuard } from "../../protocol/member-code.js";
import type { MemberRegistry } from "../members.js";
import type { ConfigService } from "../config-service.js";
import type { AuditLog } from "../audit.js";
import type { UserStore } from "../auth/users.js";
import type { RulesSource } from "./rules-source.js";
import type { SettingsStore } from "./settings.js";
import type { MoneyLedger } from "./ledger.js";
import type { Operations } from "./operations.js";
import type { MemberData } from "./member-data.js";

/** Status of the scheduled jobs, for GET /bo/jobs (the scheduler lives in hub/jobs). */
export interface JobsView {
  status(): Array<{ job: string; kind: "daily" | "interval"; lastDay: string | null; lastRunAt: number | null; lastError: string | null }>;
  /** Runs due work now (daily jobs only for days not yet applied). */
  tick(): Promise<void> | void;
}

export interface BackofficeDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  registry: MemberRegistry;
  configs: ConfigService;
  audit: AuditLog;
  users: UserStore;
  rules: RulesSource;
  settings: SettingsStore;
  ledger: MoneyLedger;
  ops: Operations;
  data: MemberData;
  /** Member codes already used to authenticate at the hub. */
  replay: ReplayGuard;
  /** Where uploaded import files are spooled. */
  tmpDir: string;
  /** The scheduler's view, given at construction (hub/compose.ts builds the jobs first); absent in worlds without jobs. */
  readonly jobs?: JobsView;
}
