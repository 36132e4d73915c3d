// The HQ back office: builds its services, registers every route module under /bo, and serves the OpenAPI document at /openapi.json.
import { tmpdir } from "node:os";
import { Hono } from "hono";
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { Logger } from "../../runtime/log.js";
import { ReplayGuard } from "../../protocol/member-code.js";
import { MemberApp } from "../app/index.js";
import type { MessageSender } from "../app/messages.js";
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
import { registerSalesReportRoutes } from "./sales-reports.js";
import { registerLiabilityRoutes } from "./liabilities.js";
import { registerImportRoutes } from "./import.js";
import { registerStoredCardRoutes } from "./stored-cards.js";
import { registerPlusRoutes } from "./plus.js";
import { registerPlusPlanRoutes } from "./plus-plans.js";
import { registerCouponIssueRoutes } from "./coupons-issue.js";
import { registerClaimRoutes } from "./claims.js";
import { registerPointsGiftRoutes } from "./points-gifts.js";
import { registerNotificationRoutes } from "./notifications.js";
import { registerCardValidityRoutes } from "./card-validity.js";
import { SessionStore, DEFAULT_SESSION_OPTIONS } from "../auth/sessions.js";
import { LoginThrottle } from "../auth/throttle.js";
import { registerSignInRoutes, sessionPrincipal, type SignInOptions } from "./sign-in.js";
import { registerMemberSearchRoutes } from "./member-search.js";
import { attachResponses } from "./responses.js";
import { registerKioskStaffRoutes, type PublishFn } from "./kiosk-staff.js";
import { registerCounterRuleRoutes } from "./counter-rules.js";
import { Rollouts } from "../rollouts.js";
import { registerConfigDraftRoutes } from "./config-drafts.js";
import { registerConfigSectionRoutes } from "./config-sections.js";
import { registerCatalogRoutes } from "./catalog-import.js";
import { registerCatalogPriceRoute } from "./catalog-price.js";
import { registerConfigRolloutRoutes, type PublishWithRollout } from "./config-rollouts.js";
import { registerFleetRoutes, type FleetRouteDeps } from "./fleet.js";
import { FleetCommands } from "../fleet.js";
import { DeviceRegistry } from "../devices.js";

export const BO_PREFIX = "/bo";

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
  /** How the member app's one-time codes reach phones (default: the log driver). */
  messageSender?: MessageSender;
  /** Where the built member app is (default: dist/member-app). */
  appDir?: string;
  /** Console sign-in: cookie Secure flag (`auto`: when the request came over TLS) and idle timeout. */
  console?: { secureCookie?: "auto" | "always" | "never"; idleMinutes?: number } | undefined;
  /** Publishes a store's next config and rolls it out (the hub's publishConfig); default: sign it only. */
  publish?: PublishFn;
  /** The hub's rollouts (the MQTT link delivers what they send); default: one of the back office's own. */
  rollouts?: Rollouts;
  /** Publishes and starts the staged rollout (the hub's publishConfig); default: sign, then `rollouts.start`. */
  publishRollout?: PublishWithRollout;
  /** The services, when the caller built them first (buildHub: the scheduler's jobs need them); default: built here from the fields above. */
  services?: BackofficeDeps;
  /** The scheduled jobs for GET /bo/jobs and POST /bo/jobs/run (hub/jobs, built before the back office); none: the routes say so. */
  jobs?: JobsView;
  /** The fleet routes' kiosk registry, remote commands (the MQTT link sends them) and provisioning; default: the back office's own, sending nothing. */
  fleet?: FleetRouteDeps;
}

/** What the back office's services need: storage, clock, logger, the member registry and configs. */
export type BackofficeServicesOptions = Pick<BackofficeOptions, "db" | "clock" | "log" | "members" | "configs" | "adminTokenHash" | "tmpDir">;

/** Builds the services every back-office route module and job works through (no routes, no jobs). */
export function createBackofficeServices(o: BackofficeServicesOptions): BackofficeDeps {
  const rules = new RulesSource(o.db, o.configs);
  const settings = new SettingsStore(o.db);
  return {
    db: o.db,
    clock: o.clock,
    log: o.log,
    registry: o.members,
    configs: o.configs,
    audit: new AuditLog(o.db, o.clock),
    users: new UserStore(o.db, o.clock, o.adminTokenHash),
    rules,
    settings,
    ledger: new MoneyLedger(o.db, o.clock, o.members),
    ops: new Operations(o.db, o.clock, o.members),
    data: new MemberData(o.db, o.clock, o.members, rules, settings),
    replay: new ReplayGuard(),
    tmpDir: o.tmpDir ?? tmpdir(),
  };
}

export class Backoffice {
  readonly deps: BackofficeDeps;
  readonly app: BoApp;
  readonly routes: Routes;
  /** The member app's routes, request proofs, static files and e-receipts. */
  readonly memberApp: MemberApp;
  /** Console sessions, passwords and one-time links. */
  readonly sessions: SessionStore;
  /** Config rollouts the /bo config routes start, stop and continue. */
  readonly rollouts: Rollouts;
  /** The fleet view's kiosks and remote commands (hub/fleet.ts). */
  readonly fleet: FleetRouteDeps;

  constructor(o: BackofficeOptions) {
    const services = o.services ?? createBackofficeServices(o);
    this.deps = o.jobs ? { ...services, jobs: o.jobs } : services;
    const d = this.deps;
    const users = d.users;
    this.sessions = new SessionStore(o.db, o.clock, users, {
      ...DEFAULT_SESSION_OPTIONS,
      ...(o.console?.idleMinutes ? { idleMs: o.console.idleMinutes * 60_000 } : {}),
    });
    const signIn: SignInOptions = { sessions: this.sessions, throttle: new LoginThrottle(o.clock), secureCookie: o.console?.secureCookie ?? "auto" };
    this.app = new Hono<BoEnv>();
    this.app.onError(boErrorHandler(o.log));
    this.routes = new Routes(this.app, {
      staff: (authorization, c, required) => users.fromHeader(authorization) ?? (authorization ? undefined : sessionPrincipal(signIn, c, required)),
      member: (proof, req) => this.memberApp.member(proof, req),
    });
    this.memberApp = new MemberApp(d, this.routes, { ...(o.messageSender ? { sender: o.messageSender } : {}), ...(o.appDir ? { appDir: o.appDir } : {}) });
    registerAdminRoutes(this.routes, d);
    registerSignInRoutes(this.routes, d, signIn);
    registerMemberSearchRoutes(this.routes, d);
    registerCounterRuleRoutes(this.routes, d);
    registerKioskStaffRoutes(
      this.routes,
      d,
      o.publish ?? ((storeId, draft) => (draft ? o.configs.publish(storeId, draft) : o.configs.publishComposed(storeId))),
    );
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
    registerSalesReportRoutes(this.routes, d);
    registerLiabilityRoutes(this.routes, d);
    registerImportRoutes(this.routes, d);
    registerStoredCardRoutes(this.routes, d);
    registerPlusRoutes(this.routes, d);
    registerPlusPlanRoutes(this.routes, d);
    this.rollouts = o.rollouts ?? new Rollouts(o.db, o.clock, o.configs, o.log);
    const rollouts = this.rollouts;
    registerConfigDraftRoutes(this.routes, d);
    registerConfigSectionRoutes(this.routes, d);
    registerCatalogRoutes(this.routes, d);
    registerCatalogPriceRoute(this.routes, d);
    registerConfigRolloutRoutes(
      this.routes,
      d,
      rollouts,
      o.publishRollout ??
        ((storeId, draft, plan) => {
          const config = draft ? o.configs.publish(storeId, draft) : o.configs.publishComposed(storeId);
          return { config, rollout: rollouts.start(storeId, config.version, plan) };
        }),
    );
    const devices = new DeviceRegistry(o.db, o.clock);
    this.fleet = o.fleet ?? { devices, commands: new FleetCommands(o.db, o.clock, devices, (v) => o.configs.sign(v), d.audit, o.log) };
    registerFleetRoutes(this.routes, d, this.fleet);
    registerCouponIssueRoutes(this.routes, d);
    registerClaimRoutes(this.routes, d);
    registerPointsGiftRoutes(this.routes, d);
    registerNotificationRoutes(this.routes, d);
    registerCardValidityRoutes(this.routes, d);
    attachResponses(this.routes.specs);
    // Last: anything else under /bo is a JSON 404 (the hub app's own not-found answer is text).
    this.app.all("*", (c) => c.json({ error: "NOT_FOUND", message: "no such route" }, 404));
  }

  /** When no hq-admin can sign in yet: a one-time setup link (valid 24 h) for the console, else undefined. */
  setupLink(consoleUrl: string): string | undefined {
    if (!this.sessions.setupNeeded()) return undefined;
    return `${consoleUrl}#/setup/${this.sessions.createLink("setup", null, 24 * 3600_000)}`;
  }

  /** A one-time link that signs `userId` in to the console (the demo's admin), valid `ttlMs`. */
  signInLink(consoleUrl: string, userId: string, ttlMs = 3600_000): string {
    return `${consoleUrl}#/link/${this.sessions.createLink("sign-in", userId, ttlMs)}`;
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
      this.memberApp.mount(app);
    };
  }
}
