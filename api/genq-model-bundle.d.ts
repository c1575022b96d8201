// The model cards bundled into the Worker: wrangler.toml aliases this module to the JSON file
// `npm run workers:models` writes (.genq-workers/model-bundle.json).
declare module "genq-model-bundle" {
  import type { ModelCardBundle } from "../shared/models/model-card-bundle.ts";
  const bundle: ModelCardBundle;
  export default bundle;
}
