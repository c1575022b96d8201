// tokenizer.json (byte-level BPE: ByteLevel pre-tokenizer and decoder, every byte a token, so
// any text round-trips) and tokenizer_config.json (special tokens, chat template).
import { SPECIAL_TOKEN_IDS } from "./llama-config.ts";
import { buildBpeVocabulary, bytesToUnicode } from "./bpe-training.ts";

export const SPECIAL_TOKENS = { pad: "<pad>", bos: "<s>", eos: "</s>" } as const;

/**
 * Zephyr / TinyLlama-Chat style: `<|role|>\n{content}</s>\n` per message, then `<|assistant|>\n`
 * when add_generation_prompt. The template writes the BOS itself (encode with add_special_tokens
 * false), and every turn ends in EOS, so a completion naturally stops with `</s>`.
 */
export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}" +
  "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export function buildByteLevelTokenizer(options: { vocabSize: number; seed: number; modelMaxLength: number }): TokenizerFiles {
  const specials: string[] = [];
  specials[SPECIAL_TOKEN_IDS.pad] = SPECIAL_TOKENS.pad;
  specials[SPECIAL_TOKEN_IDS.bos] = SPECIAL_TOKENS.bos;
  specials[SPECIAL_TOKEN_IDS.eos] = SPECIAL_TOKENS.eos;
  if (specials.length !== 3 || specials.includes(undefined as unknown as string)) throw new Error("special ids must be 0..2");
  const byteChars = bytesToUnicode();
  const { tokens, merges } = buildBpeVocabulary([...specials, ...byteChars], byteChars, options.vocabSize, options.seed);
  if (tokens.length !== options.vocabSize) throw new Error(`tokenizer reached ${tokens.length} of ${options.vocabSize} tokens`);

  const addedToken = (id: number) => ({
    id,
    content: specials[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const bos = SPECIAL_TOKENS.bos;
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((_, id) => addedToken(id)),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: bos, type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [SPECIAL_TOKEN_IDS.bos], tokens: [bos] } },
    },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      // fromEntries defines own properties even for odd keys such as "__proto__".
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges,
    },
  };

  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: Object.fromEntries(
      specials.map((_, id) => {
        const { id: _id, ...rest } = addedToken(id);
        return [String(id), rest];
      }),
    ),
    bos_token: SPECIAL_TOKENS.bos,
    eos_token: SPECIAL_TOKENS.eos,
    pad_token: SPECIAL_TOKENS.pad,
    // Byte-level text must round-trip exactly: no " ," → "," clean-up.
    clean_up_tokenization_spaces: false,
    model_max_length: options.modelMaxLength,
    padding_side: "left",
    tokenizer_class: "PreTrainedTokenizerFast",
    chat_template: CHAT_TEMPLATE,
  };
  return { tokenizerJson, tokenizerConfig };
}
