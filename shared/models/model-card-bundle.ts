// Model cards as one JSON document, for the API on Workers (no filesystem): written at build time
// from GENQ_MODELS folders (`npm run workers:models`), imported into the Worker bundle, and turned
// back into the same ModelCards the Node API loads. Only the small JSON files travel, never weights.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import type { GenqConfig } from "../config.ts";
import { modelCardFromFiles, readModelCardFiles, type ModelCard, type ModelCardFiles } from "./model-card.ts";

export interface ModelCardBundle {
  /** In GENQ_MODELS order: the first is the default model. */
  models: Array<{ name: string; specialTokensInContent: boolean; files: ModelCardFiles }>;
}

export function writeModelCardBundle(config: Pick<GenqConfig, "models" | "specialTokensInContent">, outPath: string): ModelCardBundle {
  const bundle: ModelCardBundle = {
    models: config.models.map(({ name, path }) => ({
      name,
      specialTokensInContent: config.specialTokensInContent.includes(name),
      files: readModelCardFiles(path),
    })),
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify(bundle));
  return bundle;
}

/** The cards, built with the tokenizer and template this bundle imports (a Worker cannot require them). */
export function modelCardsFromBundle(bundle: ModelCardBundle): Map<string, ModelCard> {
  const textLibraries = { Tokenizer, Template };
  return new Map(
    bundle.models.map((m) => [m.name, modelCardFromFiles(m.name, `bundle:${m.name}`, m.files, { specialTokensInContent: m.specialTokensInContent, textLibraries })]),
  );
}
