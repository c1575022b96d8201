// Loads the card of every configured model at startup; a missing or broken folder becomes one
// StartupError naming the model, the file and how to fix it.
import type { GenqConfig } from "../config.ts";
import { StartupError } from "../startup/startup-failure.ts";
import { loadModelCard, ModelFolderError, type ModelCard } from "./model-card.ts";

/** specialTokensInContent: models whose message content may carry control tokens (GENQ_SPECIAL_TOKENS_IN_CONTENT). */
export function loadModelCards(models: GenqConfig["models"], specialTokensInContent: readonly string[] = []): Map<string, ModelCard> {
  const cards = new Map<string, ModelCard>();
  for (const { name, path } of models) {
    try {
      cards.set(name, loadModelCard(name, path, { specialTokensInContent: specialTokensInContent.includes(name) }));
    } catch (error) {
      const detail = error instanceof ModelFolderError ? error.message.replace(/: ENOENT: .*$/, ": no such file") : (error as Error).message;
      throw new StartupError(
        `model "${name}" at ${path} cannot be loaded (${detail})`,
        `point GENQ_MODELS at a folder with config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx, or build it: npm start once builds the default model, or npm run model:build -- --preset tiny --out ${path}`,
      );
    }
  }
  return cards;
}
