// Reads a JSON request body defensively: content type, size (streamed, so a lying or missing
// Content-Length cannot exhaust memory), syntax, nesting depth and prototype-polluting keys.
import type { Context } from "hono";
import { GenqError } from "../../shared/errors.ts";

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export async function readJsonBody(c: Context, maxBytes: number, maxDepth: number): Promise<unknown> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new GenqError("UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
  }
  const text = await readLimited(c.req.raw, maxBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new GenqError("VALIDATION_FAILED", `key "${key}" is not allowed`);
      return value;
    });
  } catch (error) {
    if (error instanceof GenqError) throw error;
    throw new GenqError("INVALID_JSON", `body is not valid JSON: ${(error as Error).message}`);
  }
  if (depthOf(parsed, maxDepth) > maxDepth) {
    throw new GenqError("VALIDATION_FAILED", `JSON nesting deeper than ${maxDepth} levels`);
  }
  return parsed;
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new GenqError("PAYLOAD_TOO_LARGE", `body is larger than ${maxBytes} bytes`);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new GenqError("PAYLOAD_TOO_LARGE", `body is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new GenqError("INVALID_JSON", "body is not valid UTF-8");
  }
}

/** Depth with an early exit, iterative so a hostile 100k-deep array cannot blow the stack. */
function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}
