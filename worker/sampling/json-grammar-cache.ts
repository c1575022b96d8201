// Compiled response formats of one model, shared by all its sequences: the token vocabulary (bytes and
// trie, built on first use) and, per distinct response format, its grammar and mask cache (LRU).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelCard } from "../../shared/models/model-card.ts";
import { responseFormatGrammar, type ResponseFormat } from "../../shared/structured-output/response-format-grammar.ts";
import { JsonGrammarMasks } from "./json-grammar-masks.ts";
import { TokenVocabulary } from "./token-vocabulary.ts";

const MAX_GRAMMARS = 32;

export class JsonGrammarCache {
  private vocabulary: TokenVocabulary | undefined;
  private readonly grammars = new Map<string, JsonGrammarMasks>();

  constructor(private readonly card: Pick<ModelCard, "path" | "vocabSize" | "eosTokenIds">) {}

  /** The masks for a response format; null for plain text. Throws for an unsupported schema. */
  masksFor(format: ResponseFormat | undefined): JsonGrammarMasks | null {
    if (!format || format.type === "text") return null;
    const key = JSON.stringify(format);
    let masks = this.grammars.get(key);
    if (masks) {
      this.grammars.delete(key);
    } else {
      const grammar = responseFormatGrammar(format)!;
      masks = new JsonGrammarMasks(grammar, this.tokenVocabulary(), this.card.eosTokenIds);
      if (this.grammars.size >= MAX_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
    }
    this.grammars.set(key, masks);
    return masks;
  }

  private tokenVocabulary(): TokenVocabulary {
    if (!this.vocabulary) {
      const tokenizer = JSON.parse(readFileSync(join(this.card.path, "tokenizer.json"), "utf8")) as Record<string, unknown>;
      this.vocabulary = TokenVocabulary.fromTokenizerJson(tokenizer, this.card.vocabSize);
    }
    return this.vocabulary;
  }
}
