// One webhook POST under the SSRF guard: URL rules re-checked, hostnames resolved through the
// guarded lookup, a fresh connection per attempt, redirects never followed (any 3xx is a
// failure), and one deadline over connect + response headers.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { GenqError } from "../../errors.ts";
import type { WebhookAddressPolicy } from "../../webhooks/address-policy.ts";
import { parseRetryAfter } from "../../webhooks/retry-schedule.ts";
import { checkWebhookUrl } from "../../webhooks/webhook-url-check.ts";
import { BlockedAddressError, guardedLookup, type ResolveAll } from "./guarded-lookup.ts";

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  /** Why it failed (null on 2xx). */
  error: string | null;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs: number | null;
  /** Refused by the SSRF guard: retrying cannot help. */
  refused: boolean;
  /** Why, for the operator's debug log only (may name internal addresses; never shown to tenants). */
  refusalDetail?: string;
}

export interface WebhookSenderOptions {
  policy: WebhookAddressPolicy;
  /** GENQ_WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number;
  /** DNS; default the system resolver (node:dns lookup). */
  resolveAll?: ResolveAll;
}

export class WebhookSender {
  private readonly lookup;

  constructor(private readonly options: WebhookSenderOptions) {
    this.lookup = guardedLookup(options.policy, options.resolveAll);
  }

  async send(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = checkWebhookUrl(rawUrl, this.options.policy);
    } catch (error) {
      const message = error instanceof GenqError ? error.message : String(error);
      return { statusCode: null, latencyMs: 0, error: message, retryAfterMs: null, refused: true };
    }
    return await new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, "latencyMs">) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ ...result, latencyMs: elapsed() });
      };
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: "POST",
          // A fresh connection each attempt: the guarded lookup runs for every delivery.
          agent: false,
          lookup: this.lookup,
          headers: {
            ...headers,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            "user-agent": "genq-webhooks/1",
          },
        },
        (res) => this.onResponse(res, finish),
      );
      const timer = setTimeout(
        () => finish({ statusCode: null, error: `timed out after ${this.options.timeoutMs} ms`, retryAfterMs: null, refused: false }),
        this.options.timeoutMs,
      );
      req.on("error", (error: Error & { code?: string }) => {
        if (error instanceof BlockedAddressError) {
          return finish({ statusCode: null, error: error.message, retryAfterMs: null, refused: true, refusalDetail: error.detail });
        }
        finish({ statusCode: null, error: `${error.code ?? "ERROR"}: ${error.message}`, retryAfterMs: null, refused: false });
      });
      req.end(body);
    });
  }

  private onResponse(res: IncomingMessage, finish: (result: Omit<SendResult, "latencyMs">) => void): void {
    const status = res.statusCode ?? 0;
    // The status line decides; the body is not read (a receiver that acknowledges and then
    // dribbles its body must not turn a success into a timeout).
    res.resume();
    if (status >= 200 && status < 300) return finish({ statusCode: status, error: null, retryAfterMs: null, refused: false });
    const location = res.headers.location ? ` to ${String(res.headers.location).slice(0, 200)}` : "";
    const error = status >= 300 && status < 400 ? `redirect (${status}${location}) not followed` : `receiver answered ${status}`;
    finish({ statusCode: status, error, retryAfterMs: parseRetryAfter(res.headers["retry-after"]), refused: false });
  }
}
