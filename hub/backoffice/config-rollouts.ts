// Publishing a store's config from the back office, rolling back to an earlier version (a new, higher version with the old content), and the rollout view with stop / continue.
import { z } from "zod";
import type { Rollouts, RolloutStatus } from "../rollouts.js";
import type { PublishedConfig } from "../config-service.js";
import { diffConfig } from "../config-diff.js";
import { redactConfigSecrets } from "../config-redact.js";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, Reason } from "./schemas.js";
import { PublishResponse, RolloutListResponse, RolloutStatusResponse, VersionsResponse } from "./config-responses.js";

/** Signs the next version (from `draft`, else composed from the layers) and starts its rollout. */
export type PublishWithRollout = (
  storeId: string,
  draft: Record<string, unknown> | undefined,
  plan: unknown,
) => { config: PublishedConfig; rollout: RolloutStatus };

const StoreParams = z.strictObject({ store: Id });
const RolloutParams = z.strictObject({ rolloutId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
/** The staged rollout (hub/rollouts.ts RolloutPlanSchema): first wave, abort criteria. */
const Plan = z
  .strictObject({
    firstWave: z.union([z.strictObject({ share: z.number().gt(0).max(1) }), z.strictObject({ devices: z.array(Id).min(1).max(500) })]).optional(),
    minReports: z.number().int().min(1).max(10_000).optional(),
    maxFailureRatio: z.number().min(0).max(1).optional(),
  })
  .optional();

export function registerConfigRolloutRoutes(r: Routes, d: BackofficeDeps, rollouts: Rollouts, publish: PublishWithRollout): void {
  const storeOf = (id: number): string => rollouts.status(id).storeId;

  r.staff(
    {
      method: "get",
      path: "/stores/:store/config/versions",
      tag: "config",
      summary: "A store's config versions, newest first",
      roles: MANAGERS,
      params: StoreParams,
      response: VersionsResponse,
    },
    ({ params, principal }) => {
      requireStore(principal, params.store);
      const inForce = d.configs.latest(params.store)?.version ?? null;
      return { storeId: params.store, inForce, versions: d.configs.versions(params.store).map((v) => ({ ...v, inForce: v.version === inForce })) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/stores/:store/config/publish",
      tag: "config",
      summary: "Publish the store's next version from the chain defaults and its overrides, with a staged rollout (audited)",
      roles: HQ,
      params: StoreParams,
      body: z.strictObject({ rollout: Plan }),
      status: 201,
      response: PublishResponse,
      errors: { 404: "the store has no config and no layers (NO_CONFIG)" },
    },
    ({ params, body, actor }) => {
      const before = d.configs.latest(params.store);
      const out = publish(params.store, undefined, body.rollout ?? {});
      const diff = diffConfig(before ? { rules: before.content.rules, device: before.content.device } : {}, {
        rules: out.config.content.rules,
        device: out.config.content.device,
      });
      d.audit.recordInTx({
        actor,
        action: "config.publish",
        entity: "config",
        entityId: `${params.store}:${out.config.version}`,
        storeId: params.store,
        before: { version: before?.version ?? null },
        after: { version: out.config.version, rollout: out.rollout.id, changes: redactConfigSecrets(diff.changes.slice(0, 50)) },
      });
      return { version: out.config.version, rollout: out.rollout };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/stores/:store/config/rollback",
      tag: "config",
      summary: "Roll a store back to an earlier version: publishes a new, higher version with that version's content, through the staged rollout (audited)",
      description:
        "Kiosks accept only newer versions, so a rollback is version N+1 carrying version K's rules and device policy. The draft layers are not changed: fix them before the next publish.",
      roles: HQ,
      params: StoreParams,
      body: z.strictObject({ toVersion: z.number().int().positive(), rollout: Plan, note: Reason.optional() }),
      status: 201,
      response: PublishResponse,
      errors: { 404: "no such version" },
    },
    ({ params, body, actor }) => {
      const old = d.configs.get(params.store, body.toVersion);
      if (!old) throw new HubError("NOT_FOUND", `store ${params.store} has no config version ${body.toVersion}`);
      const before = d.configs.latest(params.store)?.version ?? null;
      const out = publish(params.store, { rules: old.content.rules, device: old.content.device }, body.rollout ?? {});
      d.audit.recordInTx({
        actor,
        action: "config.rollback",
        entity: "config",
        entityId: `${params.store}:${out.config.version}`,
        storeId: params.store,
        before: { version: before },
        after: { version: out.config.version, contentOf: body.toVersion, rollout: out.rollout.id },
        ...(body.note ? { note: body.note } : {}),
      });
      return { version: out.config.version, contentOf: body.toVersion, rollout: out.rollout };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/stores/:store/rollouts",
      tag: "config",
      summary: "A store's rollouts, newest first: per kiosk desired / applied / failed with the error",
      roles: MANAGERS,
      params: StoreParams,
      response: RolloutListResponse,
    },
    ({ params, principal }) => {
      requireStore(principal, params.store);
      return { rollouts: rollouts.list(params.store) };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/rollouts/:rolloutId",
      tag: "config",
      summary: "One rollout: state, counts, and per kiosk its status, error, desired and applied versions",
      roles: MANAGERS,
      params: RolloutParams,
      errors: { 404: "no such rollout" },
      response: RolloutStatusResponse,
    },
    ({ params, principal }) => {
      const s = rollouts.status(params.rolloutId);
      requireStore(principal, s.storeId);
      return s;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/rollouts/:rolloutId/stop",
      tag: "config",
      summary: "Stop a rollout in progress: kiosks not yet sent the version keep theirs (audited)",
      roles: HQ,
      params: RolloutParams,
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such rollout", 409: "the rollout is not in progress" },
      response: RolloutStatusResponse,
    },
    ({ params, body, actor }) => {
      const s = rollouts.stop(params.rolloutId, `stopped by ${actor.id}: ${body.reason}`);
      d.audit.recordInTx({
        actor,
        action: "rollout.stop",
        entity: "rollout",
        entityId: String(params.rolloutId),
        storeId: storeOf(params.rolloutId),
        before: { state: "in-progress" },
        after: { state: s.state },
        note: body.reason,
      });
      return s;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/rollouts/:rolloutId/continue",
      tag: "config",
      summary: "Continue a stopped rollout: the failures so far are accepted, the remaining kiosks get the version (audited)",
      roles: HQ,
      params: RolloutParams,
      body: z.strictObject({ note: Reason.optional() }),
      errors: { 404: "no such rollout", 409: "the rollout is not stopped, or a newer rollout superseded it" },
      response: RolloutStatusResponse,
    },
    ({ params, body, actor }) => {
      const s = rollouts.resume(params.rolloutId);
      d.audit.recordInTx({
        actor,
        action: "rollout.continue",
        entity: "rollout",
        entityId: String(params.rolloutId),
        storeId: s.storeId,
        before: { state: "stopped" },
        after: { state: s.state, acceptedFailures: s.plan.acceptedFailures },
        ...(body.note ? { note: body.note } : {}),
      });
      return s;
    },
  );
}
