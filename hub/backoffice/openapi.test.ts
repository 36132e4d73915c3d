// Every back-office route, from its declaration: documented in /openapi.json, 401 without a token, 403 for each role not allowed, 400 for unknown input.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync } from "node:fs";
import { ROLES, type Role } from "../auth/roles.js";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
let memberId = "";
const tokenOf = (): Record<Role, string> => ({ "hq-admin": w.tokens.hq, "store-manager": w.tokens.mgr1, "counter-staff": w.tokens.staff1 });

beforeAll(async () => {
  w = await boWorld();
  memberId = (await w.register()).memberId;
});
afterAll(() => w.close());

const PARAMS: Record<string, () => string> = {
  id: () => memberId,
  userId: () => "staff1",
  tokenId: () => "tok_000000000000",
  topUpId: () => "tu_0000000000000000",
  cardRef: () => "sc_0000000000000000",
  consultantId: () => "c1",
};
const fill = (path: string): string => `/bo${path.replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name]?.() ?? "x")}`;

describe("OpenAPI document", () => {
  it("documents every route with its roles, parameters, body and errors", async () => {
    const doc = await w.call("GET", "/openapi.json", { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const paths = doc.body.paths as Record<
      string,
      Record<string, { "x-roles": string[]; responses: Record<string, unknown>; requestBody?: unknown; parameters: Array<{ name: string; in: string }> }>
    >;
    const specs = w.bo.routes.specs;
    expect(specs.length).toBeGreaterThan(50);
    for (const s of specs) {
      const op = paths[`/bo${s.path.replace(/:([A-Za-z]+)/g, "{$1}")}`]?.[s.method];
      expect(op, `${s.method} ${s.path}`).toBeDefined();
      expect(op!["x-roles"]).toEqual([...s.roles]);
      expect(Object.keys(op!.responses)).toContain(String(s.status ?? 200));
      if (s.roles.length > 0) expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(["400", "401", "403"]));
      if (s.body || s.bodyKind === "binary") expect(op!.requestBody, `${s.method} ${s.path}`).toBeDefined();
      for (const m of s.path.matchAll(/:([A-Za-z]+)/g)) expect(op!.parameters.some((p) => p.in === "path" && p.name === m[1])).toBe(true);
      if (s.idempotent) expect(op!.parameters.some((p) => p.name === "Idempotency-Key")).toBe(true);
    }
    const docs = readFileSync(new URL("../../docs/backoffice.md", import.meta.url), "utf8");
    for (const s of specs) expect(docs, `docs/backoffice.md lists ${s.method} /bo${s.path}`).toContain(`\`/bo${s.path}`);
    const operationIds = Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => (op as unknown as { operationId: string }).operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
    const register = paths["/bo/members"]!.post!;
    expect(JSON.stringify(register.requestBody)).toContain('"channel"');
  });
});

describe("every route", () => {
  it("refuses callers without a token and roles it does not list", async () => {
    const checked: string[] = [];
    for (const s of w.bo.routes.specs) {
      const path = fill(s.path);
      const body = s.method === "get" ? {} : { body: {} };
      const noToken = await w.call(s.method.toUpperCase(), path, { token: null, ...body });
      if (s.roles.length > 0 || s.member) expect(noToken.status, `${s.method} ${s.path} without a token`).toBe(401);
      else expect(noToken.status, `${s.method} ${s.path} is public`).not.toBe(401);
      if (s.roles.length === 0) continue; // public (share code): no role to refuse
      for (const role of ROLES.filter((r) => !s.roles.includes(r))) {
        const res = await w.call(s.method.toUpperCase(), path, { token: tokenOf()[role], ...body });
        expect(res.status, `${s.method} ${s.path} as ${role}`).toBe(403);
        checked.push(`${s.method} ${s.path} ${role}`);
      }
    }
    expect(checked.length).toBeGreaterThan(25);
  });

  it("refuses unknown body keys and query parameters (typos fail)", async () => {
    for (const s of w.bo.routes.specs) {
      if (s.roles.length === 0 || s.bodyKind === "binary") continue;
      const path = fill(s.path);
      const headers = s.idempotent ? { "idempotency-key": "openapi-test-key-1" } : undefined;
      if (s.body) {
        const res = await w.call(s.method.toUpperCase(), path, { token: w.tokens.hq, body: { __typo: 1 }, ...(headers ? { headers } : {}) });
        expect(res.status, `${s.method} ${s.path} body`).toBe(400);
      }
      if (s.query) {
        const res = await w.call(s.method.toUpperCase(), `${path}?__typo=1`, { token: w.tokens.hq, ...(s.body ? { body: {} } : {}) });
        expect(res.status, `${s.method} ${s.path} query`).toBe(400);
      }
      if (s.idempotent === true) {
        const res = await w.call(s.method.toUpperCase(), path, { token: w.tokens.hq, body: {} });
        expect(res.status, `${s.method} ${s.path} without Idempotency-Key`).toBe(400);
      }
    }
  });

  it("answers unknown back-office routes with a JSON 404", async () => {
    const res = await w.call("GET", "/bo/nope", { token: w.tokens.hq });
    expect(res).toEqual({ status: 404, body: { error: "NOT_FOUND", message: "no such route" } });
  });
});
