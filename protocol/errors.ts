// The error type shared by protocol code: every failure carries a code that callers branch on.

export type ProtocolErrorCode =
  | "SIGNATURE_INVALID"
  | "KEY_INVALID"
  | "SCHEMA_INVALID"
  | "CODE_MALFORMED"
  | "CODE_UNKNOWN_CARD"
  | "CODE_EXPIRED"
  | "CODE_FROM_FUTURE"
  | "CODE_REPLAYED"
  | "CODE_BAD_SIGNATURE"
  | "TOPIC_INVALID";

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProtocolError";
  }
}
