// A data: URL entry for worker_threads that registers tsx's ESM hooks and then imports a .ts module:
// on Node 20 tsx only self-registers on the main thread (same approach as worker/thread/inference-client.ts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export function tsWorkerUrl(entry: URL): URL {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  const tsxEsmApi = pathToFileURL(join(dirname(manifestPath), manifest.exports["./esm/api"].import.default)).href;
  const source = `import { register } from ${JSON.stringify(tsxEsmApi)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}
