// The lines `npm start` prints once it serves: where, and a curl that works as printed — with an
// Authorization header (a $GENQ_API_KEY placeholder, never a real key) once keys are required.
import type { AuthPolicy } from "../api/auth/auth-policy.ts";

export interface ReadyBannerInput {
  url: string;
  model: string;
  redis: string;
  /** Whether requests may come without a key (the startup auth policy). */
  open: AuthPolicy["open"];
}

export function readyBanner(input: ReadyBannerInput): string {
  const auth = input.open === "never" ? ` -H "Authorization: Bearer $GENQ_API_KEY"` : "";
  const lines = [
    `genq ready at ${input.url} (model "${input.model}", redis ${input.redis})`,
    `  try: curl -s -X POST ${input.url}/v1/jobs${auth} -H 'content-type: application/json' -d '{"prompt":"Hello","max_tokens":16}'`,
  ];
  if (input.open === "never") lines.push("  (API keys are required: export GENQ_API_KEY=<a key from npm run keys -- create <name>>)");
  if (input.open === "until-first-key") lines.push("  (no API keys yet: open on this loopback address until the first is created)");
  return lines.join("\n") + "\n";
}
