// Standard Webhooks signing: HMAC-SHA256 over "id.timestamp.body" with each live secret, sent
// as space-separated `v1,<base64>` signatures so receivers on the old secret still verify
// during a rotation's grace period.
import { Webhook } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signWebhook(messageId: string, at: Date, body: string, secrets: string[]): SignedHeaders {
  if (secrets.length === 0) throw new Error("no webhook secret to sign with");
  const signatures = [...new Set(secrets)].map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
