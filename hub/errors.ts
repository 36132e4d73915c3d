// The hub's error type: a code that HTTP handlers map to a status and callers branch on.

export type HubErrorCode =
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHORIZED"
  | "NO_CONFIG"
  /** Authenticated, but the role or store scope does not allow this. */
  | "FORBIDDEN"
  /** Well-formed, but a business rule refuses it (limits, locked headshot, insufficient balance...); `reason` says which. */
  | "REFUSED"
  | "TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE";

export class HubError extends Error {
  /** A finer, stable reason for REFUSED and CONFLICT errors (e.g. HEADSHOT_LOCKED, RULES_VIP_LIMIT_REACHED). */
  readonly reason: string | undefined;

  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(message, options);
    this.name = "HubError";
    this.reason = options?.reason;
  }
}

export function httpStatusOf(code: HubErrorCode): 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503 {
  switch (code) {
    case "INVALID_INPUT":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "TOO_LARGE":
      return 413;
    case "UNSUPPORTED_MEDIA_TYPE":
      return 415;
    case "REFUSED":
      return 422;
    case "NO_CONFIG":
      return 503;
  }
}
