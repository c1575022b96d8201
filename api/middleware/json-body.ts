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
  // Before parsing: JSON.parse recurses, and a 100k-deep array would exhaust its stack.
  if (nestingOf(text, maxDepth) > maxDepth) {
    throw new GenqError("VALIDATION_FAILED", `JSON nesting deeper than ${maxDepth} levels`);
  }
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
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch {
      // The client went away mid-body: its problem, nobody is left to answer.
      throw new GenqError("REQUEST_ABORTED", "the client closed the connection before the body was complete");
    }
    const { done, value } = next;
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

/** Deepest `{`/`[` nesting outside strings, with an early exit; one linear scan of the text. */
function nestingOf(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return max;
}
