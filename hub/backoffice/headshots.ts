// Headshots: upload only when none is on file (changes are free on the day of upload, locked from the next day), staff delete, stored by content hash; images parsed on upload (image-check.ts) and served with nosniff.
import { z } from "zod";
import { addDays } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { STAFF } from "../auth/roles.js";
import { MemberRegistry, PHOTO_MAX_BYTES, type PhotoMime } from "../members.js";
import type { BackofficeDeps } from "./deps.js";
import { callerActor, type Routes } from "./route.js";
import { MemberParams, Reason } from "./schemas.js";
import { transact } from "./work.js";
import { checkImage } from "./image-check.js";

const TYPES = ["image/jpeg", "image/png"] as const;

/** Headers for every served image: only the two image types, never sniffed, never run as a document. */
export function imageHeaders(mime: string): Record<string, string> {
  return {
    "content-type": mime === "image/png" ? "image/png" : mime === "image/jpeg" ? "image/jpeg" : "application/octet-stream",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "content-disposition": "inline",
  };
}

async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > max) throw new HubError("TOO_LARGE", `a headshot may be at most ${max / 1024} KiB`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > max) throw new HubError("TOO_LARGE", `a headshot may be at most ${max / 1024} KiB`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

export function registerHeadshotRoutes(r: Routes, d: BackofficeDeps): void {
  r.open(
    {
      method: "put",
      path: "/members/:id/headshot",
      tag: "headshots",
      summary: "Upload the member's headshot (JPEG or PNG, at most 512 KiB)",
      description:
        "Allowed while no headshot is on file, and on the day of the upload (store-local) it may be replaced freely; from the next day it is locked until staff delete it. Same for staff at the counter and for the member (member code). Stored by sha256; kiosks get the hash.",
      roles: STAFF,
      member: true,
      params: MemberParams,
      bodyKind: "binary",
      bodyTypes: TYPES,
      errors: {
        404: "no such member",
        413: "larger than 512 KiB",
        415: "not image/jpeg or image/png",
        422: "a headshot from an earlier day is on file (HEADSHOT_LOCKED)",
      },
    },
    async ({ c, params, caller }) => {
      if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member code is required");
      const before = d.data.visibleTo(caller, params.id);
      const mime = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase() as PhotoMime;
      const bytes = await readLimited(c.req.raw, PHOTO_MAX_BYTES);
      // Parsed, not sniffed: complete JPEG/PNG of the declared type and a portrait's size.
      checkImage(bytes, mime);
      const hash = MemberRegistry.checkPhoto(bytes, mime);
      const today = d.data.today(params.id);
      const profile = d.data.profile(params.id);
      if (before.headshotHash !== undefined && profile.headshotUploadedOn !== today) {
        throw new HubError("REFUSED", `a headshot is on file since ${profile.headshotUploadedOn ?? "an earlier day"}; staff must delete it before a new one`, {
          reason: "HEADSHOT_LOCKED",
        });
      }
      const actor = callerActor(caller);
      transact(d.db, d.registry, (w) => {
        w.add(d.registry.setHeadshotInTx(params.id, bytes, mime).changes);
        d.data.saveProfileInTx(params.id, { ...profile, headshotUploadedOn: today });
        d.audit.recordInTx({
          actor,
          action: "headshot.upload",
          entity: "member",
          entityId: params.id,
          storeId: profile.homeStoreId,
          before: { headshotHash: before.headshotHash ?? null },
          after: { headshotHash: hash, uploadedOn: today },
        });
      });
      return { memberId: params.id, headshotHash: hash, uploadedOn: today, lockedFrom: addDays(today, 1) };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/headshot",
      tag: "headshots",
      summary: "The member's headshot image",
      roles: STAFF,
      params: MemberParams,
      produces: "image/jpeg",
      errors: { 404: "no member or no headshot" },
    },
    ({ c, params, principal }) => {
      const m = d.data.visibleTo(principal, params.id);
      const photo = m.headshotHash ? d.registry.photo(m.headshotHash) : undefined;
      if (!photo) throw new HubError("NOT_FOUND", "no headshot on file");
      return c.body(Buffer.from(photo.bytes), 200, { ...imageHeaders(photo.mime), "cache-control": "private, max-age=3600", etag: `"${m.headshotHash}"` });
    },
  );

  r.staff(
    {
      method: "delete",
      path: "/members/:id/headshot",
      tag: "headshots",
      summary: "Delete the headshot (the member may then upload a new one); every kiosk drops it",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no member or no headshot" },
    },
    ({ params, body, principal, actor }) => {
      const before = d.data.visibleTo(principal, params.id);
      if (before.headshotHash === undefined) throw new HubError("NOT_FOUND", "no headshot on file");
      transact(d.db, d.registry, (w) => {
        const profile = d.data.profile(params.id);
        w.add(d.registry.deleteHeadshotInTx(params.id));
        d.data.saveProfileInTx(params.id, { ...profile, headshotUploadedOn: null });
        d.audit.recordInTx({
          actor,
          action: "headshot.delete",
          entity: "member",
          entityId: params.id,
          storeId: profile.homeStoreId,
          before: { headshotHash: before.headshotHash },
          after: { headshotHash: null },
          note: body.reason,
        });
      });
      return { memberId: params.id, headshotHash: null };
    },
  );
}
