// Webhook URL rules that need no DNS: http(s) only, no credentials, and a literal IP host must
// pass the address policy. Run at submit (400 WEBHOOK_URL_REJECTED) and again before each POST;
// hostnames are checked against their resolved address at connect time (guarded lookup).
import { GenqError } from "../errors.ts";
import { isIpLiteral, type WebhookAddressPolicy } from "./address-policy.ts";

export function checkWebhookUrl(raw: string, policy: WebhookAddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw rejected("webhook.url is not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw rejected(`webhook.url must use http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.username || url.password) throw rejected("webhook.url must not carry credentials (user:password@)");
  if (!url.hostname) throw rejected("webhook.url has no host");
  // The WHATWG parser already normalised 2130706433, 0x7f.1 and [::ffff:127.0.0.1] forms.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIpLiteral(host) && !policy.isHostAllowed(host)) {
    const refusal = policy.refusal(host);
    if (refusal) throw rejected(`webhook.url points at a non-public address: ${refusal}`);
  }
  return url;
}

function rejected(message: string): GenqError {
  return new GenqError("WEBHOOK_URL_REJECTED", message, { errors: [{ field: "webhook.url", message }] });
}
