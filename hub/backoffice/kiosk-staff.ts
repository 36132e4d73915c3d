// Kiosk staff and their PINs, per store: set or reset a PIN (scrypt-hashed here, carried to the kiosks in the next signed config, never shown), list who has one, remove someone.
import { randomBytes, scrypt } from "node:crypto";
import { z } from "zod";
import { HubError } from "../errors.js";
import { MANAGERS, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";

/** Same cost and format as hub/secrets.ts hashSecret, which the kiosk's checkPin reads. */
const PIN_COST = 16384;

export type PublishFn = (storeId: string, draft: Record<string, unknown> | undefined) => { version: number };

interface StaffEntry {
  staffId: string;
  name: string;
  pinHash: string;
  roles?: Array<"verify" | "returns">;
}

function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, 32, { N: PIN_COST }, (err, key) =>
      err ? reject(err) : resolve(`scrypt$${PIN_COST}$${salt.toString("base64url")}$${key.toString("base64url")}`),
    ),
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The store's kiosk staff as its newest signed config has them. */
function currentStaff(d: BackofficeDeps, storeId: string): { staff: StaffEntry[]; version: number } {
  const latest = d.configs.latest(storeId);
  if (!latest) throw new HubError("NO_CONFIG", `store ${storeId} has no published config yet`);
  const device = latest.content.device as unknown as { staff?: StaffEntry[] };
  return { staff: device.staff ?? [], version: latest.version };
}

/**
 * Publishes the store's next config with `staff`: through the store's override layer when the store
 * is built from layers, else from its newest config with only device.staff changed.
 */
function publishStaff(d: BackofficeDeps, publish: PublishFn, storeId: string, staff: StaffEntry[]): number {
  const chain = d.configs.getLayer({ kind: "chain" });
  const own = d.configs.getLayer({ kind: "store", storeId });
  if (chain || own) {
    const layer = own ?? {};
    const device = isObject(layer.device) ? layer.device : {};
    d.configs.setLayer({ kind: "store", storeId }, { ...layer, device: { ...device, staff } });
    return publish(storeId, undefined).version;
  }
  const latest = d.configs.latest(storeId)!;
  return publish(storeId, { rules: latest.content.rules, device: { ...(latest.content.device as unknown as Record<string, unknown>), staff } }).version;
}

const StoreParams = z.strictObject({ storeId: Id });
const StaffParams = z.strictObject({ storeId: Id, staffId: Id });

export function registerKioskStaffRoutes(r: Routes, d: BackofficeDeps, publish: PublishFn): void {
  r.staff(
    {
      method: "get",
      path: "/stores/:storeId/kiosk-staff",
      tag: "kiosk-staff",
      summary: "The store's kiosk staff (who has a PIN; never the PIN or its hash)",
      roles: MANAGERS,
      params: StoreParams,
      errors: { 503: "the store has no config yet" },
    },
    ({ params, principal }) => {
      requireStore(principal, params.storeId);
      const { staff, version } = currentStaff(d, params.storeId);
      return {
        version,
        staff: staff.map((s) => ({ staffId: s.staffId, name: s.name, roles: s.roles ?? ["verify", "returns"], hasPin: s.pinHash.length > 0 })),
      };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/stores/:storeId/kiosk-staff/:staffId",
      tag: "kiosk-staff",
      summary: "Add a kiosk staff member or set / reset their PIN; the store's kiosks get it with the config this publishes",
      roles: MANAGERS,
      params: StaffParams,
      body: z.strictObject({
        name: z.string().trim().min(1).max(64),
        pin: z.string().regex(/^[0-9]{4,12}$/, "4-12 digits"),
        roles: z
          .array(z.enum(["verify", "returns"]))
          .min(1)
          .optional(),
      }),
      errors: { 503: "the store has no config yet" },
    },
    async ({ params, body, principal, actor }) => {
      requireStore(principal, params.storeId);
      const pinHash = await hashPin(body.pin);
      const { staff } = currentStaff(d, params.storeId);
      const before = staff.find((s) => s.staffId === params.staffId);
      const entry: StaffEntry = { staffId: params.staffId, name: body.name, pinHash, roles: body.roles ?? before?.roles ?? ["verify", "returns"] };
      const next = before ? staff.map((s) => (s.staffId === params.staffId ? entry : s)) : [...staff, entry];
      const version = publishStaff(d, publish, params.storeId, next);
      d.db.transaction(() =>
        d.audit.recordInTx({
          actor,
          action: before ? "kiosk-staff.pin-reset" : "kiosk-staff.create",
          entity: "kiosk-staff",
          entityId: `${params.storeId}/${params.staffId}`,
          storeId: params.storeId,
          before: before ? { name: before.name } : null,
          after: { name: entry.name, roles: entry.roles, configVersion: version },
        }),
      );
      return { staffId: params.staffId, name: entry.name, roles: entry.roles, version };
    },
  );

  r.staff(
    {
      method: "delete",
      path: "/stores/:storeId/kiosk-staff/:staffId",
      tag: "kiosk-staff",
      summary: "Remove a kiosk staff member (their PIN stops working with the config this publishes)",
      roles: MANAGERS,
      params: StaffParams,
      errors: { 404: "no such staff member", 503: "the store has no config yet" },
    },
    ({ params, principal, actor }) => {
      requireStore(principal, params.storeId);
      const { staff } = currentStaff(d, params.storeId);
      if (!staff.some((s) => s.staffId === params.staffId)) throw new HubError("NOT_FOUND", `no kiosk staff ${params.staffId} in store ${params.storeId}`);
      const version = publishStaff(
        d,
        publish,
        params.storeId,
        staff.filter((s) => s.staffId !== params.staffId),
      );
      d.db.transaction(() =>
        d.audit.recordInTx({
          actor,
          action: "kiosk-staff.remove",
          entity: "kiosk-staff",
          entityId: `${params.storeId}/${params.staffId}`,
          storeId: params.storeId,
          before: null,
          after: { configVersion: version },
        }),
      );
      return { staffId: params.staffId, version };
    },
  );
}
