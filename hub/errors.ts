// The hub's error type: a code that HTTP handlers map to a status and callers branch on.

export type HubErrorCode = "INVALID_INPUT" | "NOT_FOUND" | "CONFLICT" | "UNAUTHORIZED" | "NO_CONFIG";

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HubError";
  }
}

export function httpStatusOf(code: HubErrorCode): 400 | 401 | 404 | 409 | 503 {
  switch (code) {
    case "INVALID_INPUT":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "NO_CONFIG":
      return 503;
  }
}
