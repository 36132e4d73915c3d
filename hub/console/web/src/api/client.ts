// The console's one API client: openapi-fetch typed by the generated schema.d.ts; sends the session's CSRF token on writes and a fresh idempotency key where the route wants one.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

let csrfToken: string | null = null;
/** Set after sign-in / session load; writes carry it in X-CSRF-Token. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

let onUnauthorized: () => void = () => undefined;
export function setOnUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrfToken) request.headers.set("x-csrf-token", csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith("/bo/auth/")) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin" });
api.use(csrf);

/** A key for one counter operation, made when its dialog opens: a double click or a retry sends the same one. */
export function newIdempotencyKey(): string {
  return `console-${crypto.randomUUID()}`;
}

/** The hub's error answer. */
export interface ApiError {
  error: string;
  reason?: string;
  field?: string;
  message: string;
}

export function isApiError(v: unknown): v is ApiError {
  return typeof v === "object" && v !== null && typeof (v as { error?: unknown }).error === "string";
}
