// How a back-office route is declared: access (roles, member code, public), zod schemas for params, query and body, and its documentation.
//
// One declaration drives three things: the checks done before the handler runs (401 without a
// valid token, 403 for a role not listed, 400 for input the schemas refuse), the OpenAPI document
// (openapi.ts), and the generic role tests that call every route with every wrong role.
import type { Context, Hono } from "hono";
import type { z } from "zod";
import { HubError, httpStatusOf } from "../errors.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import type { Logger } from "../../runtime/log.js";
import type { Principal, Role } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { ProofRequest } from "../../protocol/member-proof.js";
import { sha256Base64Url } from "../app/proof.js";

export type BoEnv = { Variables: Record<string, never> };
export type BoApp = Hono<BoEnv>;
export type Method = "get" | "post" | "put" | "patch" | "delete";

/** Who is calling: a back-office user, or a member whose app signed this request with the card key (MemberProof). */
export type Caller = { kind: "staff"; principal: Principal } | { kind: "member"; memberId: string; cardId: string };

export function callerActor(c: Caller): Actor {
  return c.kind === "staff" ? { id: c.principal.userId, role: c.principal.role } : { id: `member:${c.memberId}`, role: "member" };
}

export type BodyKind = "json" | "binary";

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Hono path below /bo, e.g. `/members/:id/top-ups`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Staff roles allowed; empty for routes that take no staff token. */
  roles: readonly Role[];
  /** Also accept a request proof from the member's app (`Authorization: MemberProof MP1...`), scoped to that member; a live code never opens a route. */
  member?: boolean;
  /** For routes without a staff token: what authenticates the caller instead (documented). */
  publicAuth?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** `binary`: the raw request body (images, import files), not parsed here. */
  bodyKind?: BodyKind;
  /** Content types a binary body may have. */
  bodyTypes?: readonly string[];
  /** Requires an `Idempotency-Key` header (`"optional"`: honoured when sent); a replay returns the first answer. */
  idempotent?: boolean | "optional";
  /** Success status (default 200). */
  status?: 200 | 201;
  /** Response content type when not JSON. */
  produces?: string;
  /** The success answer's schema (responses.ts), for the OpenAPI document; checked against real answers when HUB_CHECK_RESPONSES=1 or under vitest. */
  response?: z.ZodType | undefined;
  /** Error statuses this route can answer besides 400/401/403, with what they mean. */
  errors?: Partial<Record<404 | 409 | 413 | 415 | 422 | 503, string>>;
}

export type AnySpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

export interface Req<P, Q, B> {
  c: Context<BoEnv>;
  params: P;
  query: Q;
  body: B;
  idempotencyKey: string | undefined;
}

export interface StaffReq<P, Q, B> extends Req<P, Q, B> {
  principal: Principal;
  actor: Actor;
}

export interface OpenReq<P, Q, B> extends Req<P, Q, B> {
  caller: Caller | undefined;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export const JSON_BODY_MAX = 1024 * 1024;
const CHECK_RESPONSES = process.env.HUB_CHECK_RESPONSES === "1" || process.env.VITEST !== undefined;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

function issues(err: z.ZodError, where: string): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const path = [...i.path];
      if (i.code === "unrecognized_keys") return `${where}${path.length ? `.${path.join(".")}` : ""}: unknown key(s) ${i.keys.join(", ")}`;
      return `${[where, ...path.map(String)].join(".")}: ${i.message}`;
    })
    .join("; ");
}

/** The request as the member app signed it: method, path with query, sha256 of the body (read once, bounded, and put back for the handler). */
export async function proofRequest(c: Context<BoEnv>): Promise<ProofRequest> {
  const url = new URL(c.req.url);
  let bytes = new Uint8Array(0);
  if (c.req.raw.bodyUsed) {
    // Already read (and bounded) for the route's JSON schema: hono keeps it.
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } else if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.raw.body) {
    if (Number(c.req.header("content-length") ?? 0) > JSON_BODY_MAX)
      throw new HubError("TOO_LARGE", `a member request body may be at most ${JSON_BODY_MAX} bytes`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of c.req.raw.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > JSON_BODY_MAX) throw new HubError("TOO_LARGE", `a member request body may be at most ${JSON_BODY_MAX} bytes`);
      chunks.push(chunk);
    }
    bytes = new Uint8Array(Buffer.concat(chunks));
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: bytes });
  }
  return { method: c.req.method, path: url.pathname + url.search, bodySha256: sha256Base64Url(bytes) };
}

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HubError("INVALID_INPUT", issues(r.error, where));
  return r.data;
}

export interface RouteDeps {
  /**
   * A staff principal from the Authorization header (bearer token) or the console session cookie;
   * `required`: the route needs staff, so a failed session check (CSRF) may throw.
   */
  staff: (authorization: string | undefined, c: Context<BoEnv>, required: boolean) => Principal | undefined;
  /** A member from `Authorization: MemberProof <proof>`, verified against the card's key and this request; throws UNAUTHORIZED when invalid. */
  member: (proof: string, req: ProofRequest) => { memberId: string; cardId: string };
}

/** Registers routes on the back-office app and keeps their declarations for the OpenAPI document. */
export class Routes {
  readonly specs: AnySpec[] = [];

  constructor(
    private readonly app: BoApp,
    private readonly deps: RouteDeps,
  ) {}

  private async prepare(
    spec: AnySpec,
    c: Context<BoEnv>,
  ): Promise<{ caller: Caller | undefined; params: unknown; query: unknown; body: unknown; key: string | undefined }> {
    const authorization = c.req.header("authorization");
    let caller: Caller | undefined;
    if (authorization?.startsWith("MemberCode ")) {
      // A live code is shown at kiosks and can be seen or photographed there: it opens nothing at the hub.
      throw new HubError("UNAUTHORIZED", "a live member code is for kiosks only; the member app signs hub requests (MemberProof)", {
        reason: "MEMBER_CODE_NOT_ACCEPTED",
      });
    }
    if (authorization?.startsWith("MemberProof ") && spec.member) {
      caller = { kind: "member", ...this.deps.member(authorization.slice(12), await proofRequest(c)) };
    } else {
      const principal = this.deps.staff(authorization, c, spec.roles.length > 0);
      if (principal) caller = { kind: "staff", principal };
    }
    if (spec.roles.length > 0 || spec.member) {
      if (!caller) throw new HubError("UNAUTHORIZED", spec.member ? "a staff token or a member request proof is required" : "a valid staff token is required");
      if (caller.kind === "staff" && !spec.roles.includes(caller.principal.role)) {
        throw new HubError("FORBIDDEN", `this needs one of: ${spec.roles.join(", ") || "a member request proof"}`);
      }
    }
    const params = spec.params ? parseOr400(spec.params, c.req.param(), "params") : c.req.param();
    const query = spec.query ? parseOr400(spec.query, c.req.query(), "query") : undefined;
    let body: unknown;
    if (spec.bodyKind === "binary") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (spec.bodyTypes && !spec.bodyTypes.includes(type))
        throw new HubError("UNSUPPORTED_MEDIA_TYPE", `content type must be one of ${spec.bodyTypes.join(", ")}`);
    } else if (spec.body) {
      const length = Number(c.req.header("content-length") ?? 0);
      if (length > JSON_BODY_MAX) throw new HubError("TOO_LARGE", `a JSON body may be at most ${JSON_BODY_MAX} bytes`);
      let raw: unknown;
      try {
        const text = await c.req.text();
        if (text.length > JSON_BODY_MAX) throw new HubError("TOO_LARGE", `a JSON body may be at most ${JSON_BODY_MAX} bytes`);
        raw = text.trim() === "" ? {} : JSON.parse(text);
      } catch (err) {
        if (err instanceof HubError) throw err;
        throw new HubError("INVALID_INPUT", "body must be JSON");
      }
      body = parseOr400(spec.body, raw, "body");
    }
    let key: string | undefined;
    if (spec.idempotent) {
      key = c.req.header("idempotency-key");
      // "optional": a script may leave it out; the console always sends one. When given, it must be well formed.
      if (spec.idempotent === "optional" && key === undefined) return { caller, params, query, body, key };
      if (!key || !IDEMPOTENCY_KEY.test(key)) throw new HubError("INVALID_INPUT", "an Idempotency-Key header of 8-128 letters, digits or _.:- is required");
    }
    return { caller, params, query, body, key };
  }

  private register(spec: AnySpec, run: (c: Context<BoEnv>) => Promise<Response>): void {
    this.specs.push(spec);
    this.app.on(spec.method.toUpperCase(), spec.path, run);
  }

  private respond(spec: AnySpec, c: Context<BoEnv>, result: unknown): Response {
    if (result instanceof Response) return result;
    if (spec.response && CHECK_RESPONSES) {
      const r = spec.response.safeParse(result);
      if (!r.success) throw new Error(`answer of ${spec.method} ${spec.path} does not match its documented schema: ${issues(r.error, "response")}`);
    }
    return c.json(result as Record<string, unknown>, spec.status ?? 200);
  }

  /** A route for back-office users only (roles must not be empty). */
  staff<P extends z.ZodType = z.ZodType<Record<string, string>>, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    spec: Omit<RouteSpec<P, NonNullable<Q> & z.ZodType, NonNullable<B> & z.ZodType>, "query" | "body"> & { query?: Q; body?: B },
    handler: (r: StaffReq<z.output<P>, Out<Q>, Out<B>>) => unknown,
  ): void {
    const s = spec as unknown as AnySpec;
    if (s.roles.length === 0) throw new Error(`route ${s.method} ${s.path} has no roles`);
    this.register(s, async (c) => {
      const p = await this.prepare(s, c);
      if (p.caller?.kind !== "staff") throw new HubError("UNAUTHORIZED", "a valid staff token is required");
      const principal = p.caller.principal;
      const result = await handler({
        c,
        params: p.params as z.output<P>,
        query: p.query as Out<Q>,
        body: p.body as Out<B>,
        idempotencyKey: p.key,
        principal,
        actor: { id: principal.userId, role: principal.role },
      });
      return this.respond(s, c, result);
    });
  }

  /** A route that members (live code) or the public (documented in publicAuth) may call, staff too when roles allow. */
  open<P extends z.ZodType = z.ZodType<Record<string, string>>, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    spec: Omit<RouteSpec<P, NonNullable<Q> & z.ZodType, NonNullable<B> & z.ZodType>, "query" | "body"> & { query?: Q; body?: B },
    handler: (r: OpenReq<z.output<P>, Out<Q>, Out<B>>) => unknown,
  ): void {
    const s = spec as unknown as AnySpec;
    this.register(s, async (c) => {
      const p = await this.prepare(s, c);
      const result = await handler({
        c,
        params: p.params as z.output<P>,
        query: p.query as Out<Q>,
        body: p.body as Out<B>,
        idempotencyKey: p.key,
        caller: p.caller,
      });
      return this.respond(s, c, result);
    });
  }
}

/** The error answer of every back-office route: `{ error, reason?, field?, message }`. */
export function boErrorHandler(log: Logger) {
  return (err: Error, c: Context<BoEnv>): Response => {
    if (err instanceof HubError) {
      return c.json({ error: err.code, ...(err.reason ? { reason: err.reason } : {}), message: err.message }, httpStatusOf(err.code));
    }
    if (isRulesError(err)) {
      const invalid = err.code === "RULES_INVALID_INPUT";
      return c.json(
        { error: invalid ? "INVALID_INPUT" : "REFUSED", reason: err.code, ...(err.field ? { field: err.field } : {}), message: err.message },
        invalid ? 400 : 422,
      );
    }
    log.error({ err }, "back-office request failed");
    return c.json({ error: "INTERNAL", message: "internal error" }, 500);
  };
}
