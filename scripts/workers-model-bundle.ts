// `npm run workers:models [-- --out <file>]`: writes the model cards of GENQ_MODELS (tokenizer,
// chat template, config; no weights) into the JSON file wrangler.toml aliases as
// `genq-model-bundle`, so the API on Workers validates prompts exactly as the Node API does.
import { loadConfig } from "../shared/config.ts";
import { writeModelCardBundle } from "../shared/models/model-card-bundle.ts";
import { runStartup } from "../shared/startup/startup-failure.ts";

export const DEFAULT_BUNDLE_PATH = ".genq-workers/model-bundle.json";

const outIndex = process.argv.indexOf("--out");
const out = outIndex > 0 ? process.argv[outIndex + 1] : DEFAULT_BUNDLE_PATH;
const bundle = await runStartup("workers:models", async () => writeModelCardBundle(loadConfig(), out));
process.stdout.write(`wrote ${bundle.models.map((m) => m.name).join(", ")} to ${out}\n`);
