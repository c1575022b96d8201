// Compresses JSON answers above a size threshold with br or gzip, as Accept-Encoding allows
// (small answers are cheaper sent as they are). The ETag turns weak, as a coding changes the
// bytes but not the representation; If-None-Match compares weakly.
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { MiddlewareHandler } from "hono";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json/i;

export interface CompressOptions {
  /** Bodies smaller than this go uncompressed (default 1,024 bytes). */
  thresholdBytes?: number;
}

export function compressLarge(options: CompressOptions = {}): MiddlewareHandler {
  const threshold = options.thresholdBytes ?? 1_024;
  return async (c, next) => {
    await next();
    const res = c.res;
    if (c.req.method === "HEAD" || !res.body || res.headers.has("content-encoding")) return;
    if (!JSON_TYPE.test(res.headers.get("content-type") ?? "")) return;
    const vary = res.headers.get("vary");
    if (!vary || !/accept-encoding/i.test(vary)) res.headers.set("vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
    const encoding = chooseEncoding(c.req.header("accept-encoding"));
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (!encoding || declared < threshold) return;
    const plain = new Uint8Array(await res.arrayBuffer());
    const body =
      plain.byteLength < threshold
        ? plain
        : encoding === "br"
          ? await brotli(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: plain.byteLength } })
          : await gzipAsync(plain, { level: 6 });
    c.res = new Response(body, res);
    c.res.headers.set("content-length", String(body.byteLength));
    if (body === plain) return;
    c.res.headers.set("content-encoding", encoding);
    const etag = c.res.headers.get("etag");
    if (etag && !etag.startsWith("W/")) c.res.headers.set("etag", `W/${etag}`);
  };
}

/** br over gzip when both are acceptable with equal weight; q=0 refuses a coding. */
export function chooseEncoding(header: string | undefined): "br" | "gzip" | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = qParam ? Number(qParam.slice(2)) : 1;
    if (name) q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => q.get(coding) ?? q.get("*") ?? 0;
  const br = weightOf("br");
  const gz = weightOf("gzip");
  if (br <= 0 && gz <= 0) return undefined;
  return br >= gz ? "br" : "gzip";
}
