// What genq knows about a model folder without running it: config, generation defaults,
// tokenizer and chat template. Pure JS, so the API (prompt validation) and the worker share it.
import { readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";
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

export function loadModelCard(name: string, path: string, options: ModelCardOptions = {}): ModelCard {
  const config = readJson(join(path, "config.json"));
  const generationPath = join(path, "generation_config.json");
  const generation = existsSync(generationPath) ? readJson(generationPath) : {};
  const tokenizerJson = readJson(join(path, "tokenizer.json"));
  const tokenizerConfig = readJson(join(path, "tokenizer_config.json"));
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);

  const eosTokenIds = [...new Set([...asIdList(generation.eos_token_id), ...asIdList(config.eos_token_id)])];
  const bos = asIdList(generation.bos_token_id ?? config.bos_token_id)[0] ?? null;
  const contextLength = Number(config.max_position_embeddings ?? tokenizerConfig.model_max_length ?? 2048);
  const vocabSize = Number(config.vocab_size);
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
  const chat = new ChatPromptEncoder(tokenizerJson, tokenizerConfig, tokenizer, render);

  return {
    name,
    path,
    contextLength,
    vocabSize,
    eosTokenIds,
    bosTokenId: bos,
    createdAtMs: Math.floor(statSync(join(path, "config.json")).mtimeMs),
    config,
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
