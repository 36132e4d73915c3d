// Back-office roles, the principal a request acts as, and the checks every route makes (role, store scope, permission).
import { HubError } from "../errors.js";
import type { Actor } from "../audit.js";

export const ROLES = ["hq-admin", "store-manager", "counter-staff"] as const;
export type Role = (typeof ROLES)[number];

/** Grants beyond a role. hq-admin and store-manager hold every permission; counter staff only those given. */
export const PERMISSIONS = ["top-up:edit-bonus"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Role sets routes name. */
export const HQ: readonly Role[] = ["hq-admin"];
export const MANAGERS: readonly Role[] = ["hq-admin", "store-manager"];
export const STAFF: readonly Role[] = ["hq-admin", "store-manager", "counter-staff"];

export interface Principal {
  userId: string;
  role: Role;
  /** Stores a store-scoped role may act in; ignored for hq-admin (every store). */
  stores: readonly string[];
  permissions: readonly Permission[];
  /** The token used (the admin token file's is `admin-file`). */
  tokenId: string;
}

export function actorOf(p: Principal): Actor {
  return { id: p.userId, role: p.role };
}

export function isHq(p: Principal): boolean {
  return p.role === "hq-admin";
}

export function canActIn(p: Principal, storeId: string): boolean {
  return isHq(p) || p.stores.includes(storeId);
}

/** Throws FORBIDDEN unless the principal may act in the store. */
export function requireStore(p: Principal, storeId: string): void {
  if (!canActIn(p, storeId)) throw new HubError("FORBIDDEN", `${p.role} ${p.userId} may not act in store ${storeId}`);
}

export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!roles.includes(p.role)) throw new HubError("FORBIDDEN", `this needs one of: ${roles.join(", ")}`);
}

export function hasPermission(p: Principal, perm: Permission): boolean {
  return p.role !== "counter-staff" || p.permissions.includes(perm);
}

/**
 * Whether a member whose kiosk scope is `memberStores` (empty: every store) is visible to the
 * principal: hq sees everyone, store roles see members of the chain and of their stores.
 */
export function canSeeMember(p: Principal, memberStores: readonly string[]): boolean {
  return isHq(p) || memberStores.length === 0 || memberStores.some((s) => p.stores.includes(s));
}
