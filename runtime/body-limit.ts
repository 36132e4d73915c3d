// Request body limits for the hub's and the kiosk's HTTP apps, applied before any route reads a byte: 413 TOO_LARGE with words and a next step.
//
// A declared Content-Length over the limit is refused at once, without reading. A body without one
// (chunked) is read only up to the limit (hono/body-limit) and refused as soon as it goes over.
// Routes that stream big uploads to disk (member import) say "stream": only the declared length is
// checked here and the route counts the bytes itself.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export type BodyLimit = number | { stream: number };

export function tooLarge(c: Context, max: number): Response {
  return c.json(
    {
      error: "TOO_LARGE",
      message: `请求内容过大，此接口最多 ${max} 字节；请减小后重试（导入请拆分文件）。Request body too large: this endpoint takes at most ${max} bytes; send less (split an import) and retry.`,
      maxBytes: max,
    },
    413,
  );
}

/** One middleware for the whole app: `limitFor` picks each request's limit from its method and path. */
export function limitBodies(limitFor: (method: string, path: string) => BodyLimit): MiddlewareHandler {
  const cache = new Map<number, MiddlewareHandler>();
  const limiter = (max: number): MiddlewareHandler => {
    let m = cache.get(max);
    if (!m) {
      m = bodyLimit({ maxSize: max, onError: (c) => tooLarge(c, max) });
      cache.set(max, m);
    }
    return m;
  };
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const limit = limitFor(c.req.method, c.req.path);
    if (typeof limit === "number") return limiter(limit)(c, next);
    const declared = c.req.header("content-length");
    if (declared !== undefined && !(Number(declared) <= limit.stream)) return tooLarge(c, limit.stream);
    return next();
  };
}
