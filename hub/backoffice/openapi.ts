// The OpenAPI 3.1 document of the back office, built from the route declarations and their zod schemas (z.toJSONSchema).
import { z } from "zod";
import type { AnySpec } from "./route.js";

type JsonObject = Record<string, unknown>;

function schemaOf(s: z.ZodType): JsonObject {
  const out = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as JsonObject;
  delete out.$schema;
  return out;
}

function responseSchemaOf(s: z.ZodType): JsonObject {
  const out = z.toJSONSchema(s, { io: "output", unrepresentable: "any" }) as JsonObject;
  delete out.$schema;
  return out;
}

const ERROR_SCHEMA: JsonObject = {
  type: "object",
  required: ["error", "message"],
  properties: {
    error: {
      type: "string",
      enum: ["INVALID_INPUT", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "REFUSED", "NO_CONFIG", "INTERNAL"],
    },
    reason: { type: "string", description: "A finer, stable reason (e.g. HEADSHOT_LOCKED, INSUFFICIENT_BALANCE, RULES_VIP_LIMIT_REACHED)" },
    field: { type: "string", description: "The dotted field at fault, for rules errors" },
    message: { type: "string" },
  },
};

const STANDARD_ERRORS: Record<number, string> = {
  400: "invalid input (the message names the field)",
  401: "no valid staff token (or member request proof)",
  403: "the role or store scope does not allow this",
};

/** `/members/:id` to `/members/{id}`. */
export function openApiPath(prefix: string, path: string): string {
  return prefix + path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(spec: AnySpec): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (where: "path" | "query", schema: z.ZodType | undefined, fallbackNames: string[]): void => {
    const json = schema ? schemaOf(schema) : undefined;
    const props = (json?.properties ?? {}) as Record<string, JsonObject>;
    const required = new Set((json?.required ?? []) as string[]);
    const names = json ? Object.keys(props) : fallbackNames;
    for (const name of names) {
      const p = props[name] ?? { type: "string" };
      out.push({
        name,
        in: where,
        required: where === "path" ? true : required.has(name) && !("default" in p),
        schema: p,
        ...(typeof p.description === "string" ? { description: p.description } : {}),
      });
    }
  };
  add(
    "path",
    spec.params,
    [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
  );
  add("query", spec.query, []);
  if (spec.idempotent) {
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: spec.idempotent === true,
      schema: { type: "string", pattern: "^[A-Za-z0-9_.:-]{8,128}$" },
      description: "Applied once; a replay with the same request returns the first answer (a different request: 409)",
    });
  }
  return out;
}

export function buildOpenApi(specs: readonly AnySpec[], opts: { prefix: string; title: string; version: string }): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const spec of specs) {
    const path = openApiPath(opts.prefix, spec.path);
    const responses: Record<string, JsonObject> = {
      [String(spec.status ?? 200)]: spec.produces
        ? { description: "OK", content: { [spec.produces]: { schema: { type: "string", format: "binary" } } } }
        : { description: "OK", content: { "application/json": { schema: spec.response ? responseSchemaOf(spec.response) : { type: "object" } } } },
    };
    const errors: Record<number, string> = { ...STANDARD_ERRORS };
    for (const [status, description] of Object.entries(spec.errors ?? {})) if (description) errors[Number(status)] = description;
    if (spec.roles.length === 0 && !spec.member) delete errors[401];
    if (spec.roles.length === 0) delete errors[403];
    for (const [status, description] of Object.entries(errors)) {
      responses[status] = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    }
    const security: JsonObject[] = [];
    if (spec.roles.length > 0) security.push({ bearer: [] });
    if (spec.member) security.push({ memberProof: [] });
    const op: JsonObject = {
      operationId: `${spec.method}${spec.path.replace(/[/:-]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      tags: [spec.tag],
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      "x-roles": spec.roles,
      ...(spec.member ? { "x-member-proof": true } : {}),
      ...(spec.publicAuth ? { "x-public-auth": spec.publicAuth } : {}),
      parameters: parameters(spec),
      responses,
      security,
    };
    if (spec.bodyKind === "binary") {
      op.requestBody = {
        required: true,
        content: Object.fromEntries((spec.bodyTypes ?? ["application/octet-stream"]).map((t) => [t, { schema: { type: "string", format: "binary" } }])),
      };
    } else if (spec.body) {
      op.requestBody = { required: true, content: { "application/json": { schema: schemaOf(spec.body) } } };
    }
    (paths[path] ??= {})[spec.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: opts.title,
      version: opts.version,
      description:
        "HQ back office of the member hub. Staff authenticate with `Authorization: Bearer <token>` (roles: hq-admin, store-manager and counter-staff scoped to stores; `x-roles` lists who may call each operation). Member self-service operations also accept `Authorization: MemberProof <request proof>` signed by the member app's card key (docs/member-app.md); a live member code (shown at kiosks) opens no route. Money is integer fen. See docs/backoffice.md.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A back-office API token (sha256-hashed at rest) or the hub's admin token" },
        memberProof: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "`MemberProof MP1.hub.<cardId>.<unixSeconds>.<nonce>.<signature>`: the card key's Ed25519 signature over `MP1\\n<audience>\\n<cardId>\\n<unixSeconds>\\n<nonce>\\n<METHOD>\\n<path?query>\\n<base64url sha256 of the body>`; within 60 s of the hub's clock, each (card, time, nonce) once, scoped to that member (protocol/member-proof.ts)",
        },
      },
    },
  };
}
