// What genq knows about a model folder without running it: config, generation defaults,
// tokenizer and chat template. Pure JS, so the API (prompt validation) and the worker share it.
import { readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Tokenizer } from "@huggingface/tokenizers";
import type { Template } from "@huggingface/jinja";
import { GenqError } from "../errors.ts";
import { ChatPromptEncoder, type ChatMessage } from "./chat-prompt-tokens.ts";

export type { ChatMessage };

export interface ModelCard {
  name: string;
  path: string;
  /** Longest sequence (prompt + completion) the model accepts. */
  contextLength: number;
  vocabSize: number;
  eosTokenIds: number[];
  bosTokenId: number | null;
  /** When the model folder was written (config.json's mtime): OpenAI's `created` in GET /v1/models. */
  createdAtMs: number;
  /** Raw config.json, for the loader (head counts, dims). */
  config: Record<string, unknown>;
  encode(text: string, addSpecialTokens: boolean): number[];
  decode(ids: number[], skipSpecialTokens?: boolean): string;
  /** Token ids for a prompt: a raw prompt gets the tokenizer's special tokens; chat messages are rendered with the template. */
  promptIds(input: { prompt: string } | { messages: ChatMessage[] }): number[];
}

export class ModelFolderError extends Error {}

export interface ModelCardOptions {
  /**
   * Opt-out (GENQ_SPECIAL_TOKENS_IN_CONTENT names the model): special-token strings in message
   * content become control tokens, as in a plain Hugging Face rendering. Default false: content
   * is text, and only the chat template's own special tokens are special.
   */
  specialTokensInContent?: boolean;
  /**
   * Read tokenizer.json and build the tokenizer and chat template on first encode / decode / promptIds
   * (the inference thread: it decodes only for stop strings and response formats, and a smaller heap
   * makes every garbage collection of its per-step output buffers cheaper). Default false: a broken
   * tokenizer fails at load.
   */
  lazyTokenizer?: boolean;
  /**
   * The classes the tokenizer and chat template are built with. Default: the packages' CommonJS
   * builds, required when the card's text is first built (see requireTextLibraries). The Workers
   * bundle has no node_modules to require from and passes the ones it imports.
   */
  textLibraries?: TextLibraries;
}

/** @huggingface/tokenizers' Tokenizer and @huggingface/jinja's Template. */
export interface TextLibraries {
  Tokenizer: typeof Tokenizer;
  Template: typeof Template;
}

/**
 * Required, not imported: synchronously (encode and decode stay sync) and only when a card's text is
 * built, so a lazy card keeps both packages (≈0.8 MB of heap) out of the inference thread until a
 * request needs them. node:module comes through process.getBuiltinModule because the Workers bundle
 * imports this file too, and only Node has it.
 */
function requireTextLibraries(): TextLibraries {
  const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);
  return {
    Tokenizer: (require("@huggingface/tokenizers") as typeof import("@huggingface/tokenizers")).Tokenizer,
    Template: (require("@huggingface/jinja") as typeof import("@huggingface/jinja")).Template,
  };
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new ModelFolderError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function asIdList(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === "number");
  return [];
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "content" in value) return String((value as { content: unknown }).content);
  return undefined;
}

/** The JSON files of a model folder a card is made of (no weights). */
export interface ModelCardFiles {
  config: Record<string, unknown>;
  /** generation_config.json, or {} when the folder has none. */
  generation: Record<string, unknown>;
  /** tokenizer.json; from a folder it is read on first access (see ModelCardOptions.lazyTokenizer). */
  readonly tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** When the folder was written (config.json's mtime). */
  createdAtMs: number;
}

export function readModelCardFiles(path: string): ModelCardFiles {
  const generationPath = join(path, "generation_config.json");
  let tokenizer: Record<string, unknown> | undefined;
  return {
    config: readJson(join(path, "config.json")),
    generation: existsSync(generationPath) ? readJson(generationPath) : {},
    get tokenizer() {
      return (tokenizer ??= readJson(join(path, "tokenizer.json")));
    },
    tokenizerConfig: readJson(join(path, "tokenizer_config.json")),
    createdAtMs: Math.floor(statSync(join(path, "config.json")).mtimeMs),
  };
}

export function loadModelCard(name: string, path: string, options: ModelCardOptions = {}): ModelCard {
  return modelCardFromFiles(name, path, readModelCardFiles(path), options);
}

/** A card from files already read (the Workers API has no filesystem: they come bundled). */
export function modelCardFromFiles(name: string, path: string, files: ModelCardFiles, options: ModelCardOptions = {}): ModelCard {
  const { config, generation, tokenizerConfig } = files;
  const eosTokenIds = [...new Set([...asIdList(generation.eos_token_id), ...asIdList(config.eos_token_id)])];
  const bos = asIdList(generation.bos_token_id ?? config.bos_token_id)[0] ?? null;
  const contextLength = Number(config.max_position_embeddings ?? tokenizerConfig.model_max_length ?? 2048);
  const vocabSize = Number(config.vocab_size);
  // Lazy: built on the first call that needs it (see ModelCardOptions.lazyTokenizer).
  let built: CardText | undefined;
  const textOf = () => (built ??= cardText(name, files, options));
  if (!options.lazyTokenizer) textOf();

  return {
    name,
    path,
    contextLength,
    vocabSize,
    eosTokenIds,
    bosTokenId: bos,
    createdAtMs: files.createdAtMs,
    config,
    encode: (input, addSpecialTokens) => textOf().encode(input, addSpecialTokens),
    decode: (ids, skipSpecialTokens = true) => textOf().decode(ids, skipSpecialTokens),
    promptIds: (input) => textOf().promptIds(input),
  };
}

type CardText = Pick<ModelCard, "encode" | "decode" | "promptIds">;

/** The tokenizer (tokenizer.json) and chat template of a model folder. */
function cardText(name: string, files: ModelCardFiles, options: ModelCardOptions): CardText {
  const { tokenizer: tokenizerJson, tokenizerConfig } = files;
  const { Tokenizer, Template } = options.textLibraries ?? requireTextLibraries();
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const templateSource = typeof tokenizerConfig.chat_template === "string" ? tokenizerConfig.chat_template : null;
  const template = templateSource ? new Template(templateSource) : null;
  const specialTokens = {
    bos_token: tokenText(tokenizerConfig.bos_token) ?? "",
    eos_token: tokenText(tokenizerConfig.eos_token) ?? "",
    pad_token: tokenText(tokenizerConfig.pad_token) ?? "",
  };

  const encode = (text: string, addSpecialTokens: boolean) =>
    tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  const render = (messages: ChatMessage[]) => {
    try {
      return template!.render({ messages, add_generation_prompt: true, ...specialTokens });
    } catch (error) {
      // raise_exception (roles not alternating, a role it does not know, ...): the client's input.
      const reason = (error as Error).message.slice(0, 500);
      throw new GenqError("CHAT_TEMPLATE_ERROR", `the chat template of model ${name} refused these messages: ${reason}`, {
        errors: [{ field: "messages", message: reason }],
      });
    }
  };
  const chat = new ChatPromptEncoder(tokenizerJson, tokenizerConfig, tokenizer, Tokenizer, render);

  return {
    encode,
    decode: (ids, skipSpecialTokens = true) => tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens }),
    promptIds(input) {
      if ("prompt" in input) return encode(input.prompt, true);
      if (!template) throw new ModelFolderError(`model ${name} has no chat_template; send "prompt" instead of "messages"`);
      // Templates write the BOS themselves; adding special tokens again would double it.
      return options.specialTokensInContent ? encode(render(input.messages), false) : chat.promptIds(input.messages);
    },
  };
}
