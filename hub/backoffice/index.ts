// The HQ back office: builds its services, registers every route module under /bo, and serves the OpenAPI document at /openapi.json.
import { tmpdir } from "node:os";
import { Hono } from "hono";
import type { Database } from "../../storage/sqlite.js";
import type { Clock } from "../../protocol/clock.js";
import type { Logger } from "../../protocol/log.js";
import { ReplayGuard, verifyMemberCode } from "../../protocol/member-code.js";
import { ProtocolError } from "../../protocol/errors.js";
import type { MemberRegistry } from "../members.js";
import type { ConfigService } from "../config-service.js";
import { AuditLog } from "../audit.js";
import { UserStore } from "../auth/users.js";
import { HubError } from "../errors.js";
import type { BackofficeDeps, JobsView } from "./deps.js";
import { RulesSource } from "./rules-source.js";
import { SettingsStore } from "./settings.js";
import { MoneyLedger } from "./ledger.js";
import { Operations } from "./operations.js";
import { MemberData } from "./member-data.js";
import { Routes, boErrorHandler, type BoApp, type BoEnv } from "./route.js";
import { buildOpenApi } from "./openapi.js";
import { registerAdminRoutes } from "./admin.js";
import { registerMemberRoutes } from "./members.js";
import { registerCardRoutes } from "./cards.js";
import { registerHeadshotRoutes } from "./headshots.js";
import { registerSecondaryCardRoutes } from "./secondary-cards.js";
import { registerVipRoutes } from "./vip.js";
import { registerTopUpRoutes } from "./topups.js";
import { registerPointsRoutes } from "./points.js";
import { registerLevelRoutes } from "./levels.js";
import { registerSegmentRoutes } from "./segments.js";
import { registerConsultantRoutes } from "./consultants.js";
import { registerReportRoutes } from "./reports.js";
import { registerImportRoutes } from "./import.js";
import { registerStoredCardRoutes } from "./stored-cards.js";
import { registerPlusRoutes } from "./plus.js";

export const BO_PREFIX = "/bo";
/** Member codes used to authenticate at the hub are accepted this long after they were made. */
const MEMBER_CODE_WINDOW_SECONDS = 60;

export interface BackofficeOptions {
  db: Database;
  clock: Clock;
  log: Logger;
  members: MemberRegistry;
  configs: ConfigService;
  /** sha256 hex of the hub's admin token: it acts as an hq-admin token. */
  adminTokenHash?: string | undefined;
  /** Where uploaded import files are spooled (default: the OS temp dir). */
  tmpDir?: string;
}

export class Backoffice {
  readonly deps: BackofficeDeps;
  readonly app: BoApp;
  readonly routes: Routes;

  constructor(o: BackofficeOptions) {
    const rules = new RulesSource(o.db, o.configs);
    const settings = new SettingsStore(o.db);
    const users = new UserStore(o.db, o.clock, o.adminTokenHash);
    this.deps = {
      db: o.db,
      clock: o.clock,
      log: o.log,
      registry: o.members,
      configs: o.configs,
      audit: new AuditLog(o.db, o.clock),
      users,
      rules,
      settings,
      ledger: new MoneyLedger(o.db, o.clock, o.members),
      ops: new Operations(o.db, o.clock, o.members),
      data: new MemberData(o.db, o.clock, o.members, rules, settings),
      replay: new ReplayGuard(),
      tmpDir: o.tmpDir ?? tmpdir(),
    };
    const d = this.deps;
    this.app = new Hono<BoEnv>();
    this.app.onError(boErrorHandler(o.log));
    this.routes = new Routes(this.app, {
      staff: (authorization) => users.fromHeader(authorization),
      member: (code) => this.memberFromCode(code),
    });
    registerAdminRoutes(this.routes, d);
    registerMemberRoutes(this.routes, d);
    registerCardRoutes(this.routes, d);
    registerHeadshotRoutes(this.routes, d);
    registerSecondaryCardRoutes(this.routes, d);
    registerVipRoutes(this.routes, d);
    registerTopUpRoutes(this.routes, d);
    registerPointsRoutes(this.routes, d);
    registerLevelRoutes(this.routes, d);
    registerSegmentRoutes(this.routes, d);
    registerConsultantRoutes(this.routes, d);
    registerReportRoutes(this.routes, d);
    registerImportRoutes(this.routes, d);
    registerStoredCardRoutes(this.routes, d);
    registerPlusRoutes(this.routes, d);
    // Last: anything else under /bo is a JSON 404 (the hub app's own not-found answer is text).
    this.app.all("*", (c) => c.json({ error: "NOT_FOUND", message: "no such route" }, 404));
  }

  /** Verifies a member's live code against their card key (each code once). */
  private memberFromCode(code: string): { memberId: string; cardId: string } {
    const d = this.deps;
    try {
      const { cardId } = verifyMemberCode(code, {
        publicKeyOf: (card) => {
          const memberId = d.data.memberIdByCard(card);
          if (!memberId || d.data.profile(memberId).cardKeyState !== "enrolled") return undefined;
          const m = d.registry.get(memberId);
          return m && m.status === "active" ? m.cardPublicKey : undefined;
        },
        nowMs: d.clock.now(),
        replay: d.replay,
        windowSeconds: MEMBER_CODE_WINDOW_SECONDS,
      });
      const memberId = d.data.memberIdByCard(cardId);
      if (!memberId) throw new HubError("UNAUTHORIZED", "unknown card");
      return { memberId, cardId };
    } catch (err) {
      if (err instanceof ProtocolError) throw new HubError("UNAUTHORIZED", `member code refused: ${err.message}`, { reason: err.code });
      throw err;
    }
  }

  setJobs(jobs: JobsView): void {
    this.deps.jobs = jobs;
  }

  /** The OpenAPI document of every back-office route. */
  openApi(): Record<string, unknown> {
    return buildOpenApi(this.routes.specs, { prefix: BO_PREFIX, title: "Member hub back office", version: "1" });
  }

  /** Throws unless the Authorization header carries an hq-admin token (the admin token file's, or a user's). */
  requireAdmin(authorization: string | undefined): void {
    const p = this.deps.users.fromHeader(authorization);
    if (!p) throw new HubError("UNAUTHORIZED", "admin token required");
    if (p.role !== "hq-admin") throw new HubError("FORBIDDEN", "this needs an hq-admin token");
  }

  /** For HubHttpDeps.mounts: the back office under /bo and its OpenAPI document. */
  mount(): (app: Hono) => void {
    return (app) => {
      let doc: Record<string, unknown> | undefined;
      app.get("/openapi.json", (c) => c.json((doc ??= this.openApi())));
      app.route(BO_PREFIX, this.app);
    };
  }
}
