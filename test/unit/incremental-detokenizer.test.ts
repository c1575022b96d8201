// IncrementalDetokenizer against real tokenizers (@huggingface/tokenizers): streamed deltas must
// concatenate to the whole decode, never show U+FFFD for valid text, and keep spaces.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { IncrementalDetokenizer, type TokenDecoder } from "../../worker/sampling/incremental-detokenizer.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const SAMPLE = "Hello world, café 😀 日本語";
const REPLACEMENT = "\uFFFD";

function byteLevelTokenizer(): Tokenizer {
  const json: unknown = JSON.parse(
    readFileSync(new URL("../fixtures/tokenizers/byte-level-bpe.json", import.meta.url), "utf8"),
  );
  return new Tokenizer(json as object, { bos_token: "<s>", eos_token: "</s>", clean_up_tokenization_spaces: false });
}

/** A Llama-2 style tokenizer: "▁" word marks, byte fallback for non-ASCII, and a decoder that strips one leading space. */
function llamaStyleTokenizer(): Tokenizer {
  const vocab: Record<string, number> = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  for (let byte = 0; byte < 256; byte++) {
    vocab[`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`] = Object.keys(vocab).length;
  }
  for (let code = 33; code < 127; code++) vocab[String.fromCharCode(code)] = Object.keys(vocab).length;
  vocab["▁"] = Object.keys(vocab).length;
  const merges: Array<[string, string]> = [
    ["H", "e"], ["l", "l"], ["He", "ll"], ["Hell", "o"], ["▁", "Hello"],
    ["▁", "w"], ["o", "r"], ["▁w", "or"], ["l", "d"], ["▁wor", "ld"],
  ];
  for (const [a, b] of merges) vocab[a + b] ??= Object.keys(vocab).length;
  const special = (id: number, content: string) => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  const json = {
    version: "1.0",
    added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: { type: "BPE", unk_token: "<unk>", fuse_unk: true, byte_fallback: true, vocab, merges },
  };
  return new Tokenizer(json, { bos_token: "<s>", eos_token: "</s>", clean_up_tokenization_spaces: false });
}

/** Token ids of `text` (typed here: the package's Encoding type does not resolve under NodeNext). */
function encodeIds(tokenizer: Tokenizer, text: string): number[] {
  return tokenizer.encode(text, { add_special_tokens: false }).ids as number[];
}

function vocabSizeOf(tokenizer: Tokenizer): number {
  return tokenizer.get_vocab(true).size;
}

function decoderOf(tokenizer: Tokenizer): TokenDecoder {
  return (ids) => tokenizer.decode(ids, { skip_special_tokens: true });
}

/** Streams ids one by one; returns every delta (flush last). */
function stream(detokenizer: IncrementalDetokenizer, ids: number[]): string[] {
  const deltas = ids.map((id) => detokenizer.push(id));
  deltas.push(detokenizer.flush());
  return deltas;
}

function expectStreamsExactly(tokenizer: Tokenizer, text: string): string[] {
  const decode = decoderOf(tokenizer);
  const ids = encodeIds(tokenizer, text);
  const whole = decode(ids);
  const deltas = stream(new IncrementalDetokenizer(decode), ids);
  for (const delta of deltas) expect(delta).not.toContain(REPLACEMENT);
  expect(deltas.join("")).toBe(whole);
  return deltas;
}

/**
 * Any id sequence (what a model with random weights emits: stray bytes, specials, broken
 * characters) streams to exactly the whole decode; only the final flush may end in U+FFFD.
 */
function expectAnyIdStreamMatches(tokenizer: Tokenizer): void {
  const decode = decoderOf(tokenizer);
  const vocabSize = vocabSizeOf(tokenizer);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: vocabSize - 1 }), { minLength: 1, maxLength: 40 }), (ids) => {
      const deltas = stream(new IncrementalDetokenizer(decode), ids);
      for (const delta of deltas.slice(0, -1)) expect(delta.endsWith(REPLACEMENT)).toBe(false);
      expect(deltas.join("")).toBe(decode(ids));
    }),
    { numRuns: 300, seed: 20240601 },
  );
}

describe("IncrementalDetokenizer with a byte-level BPE", () => {
  const tokenizer = byteLevelTokenizer();
  const decode = decoderOf(tokenizer);

  it("the fixture splits characters across tokens (so the hold-back path is exercised)", () => {
    const ids = encodeIds(tokenizer, SAMPLE);
    expect(decode(ids)).toBe(SAMPLE);
    const partial = ids.filter((id) => decode([id]).includes(REPLACEMENT));
    expect(partial.length).toBeGreaterThan(5);
  });

  it("streams token by token to exactly the whole decode, never emitting U+FFFD", () => {
    const deltas = expectStreamsExactly(tokenizer, SAMPLE);
    expect(deltas.join("")).toBe(SAMPLE);
    expect(deltas).toContain(" world");
    expect(deltas).toContain(" café");
    expect(deltas).toContain("😀");
  });

  it("text accumulates the deltas; special tokens are skipped", () => {
    const ids = [tokenizer.token_to_id("<s>")!, ...encodeIds(tokenizer, SAMPLE), tokenizer.token_to_id("</s>")!];
    const detokenizer = new IncrementalDetokenizer(decode);
    const deltas = stream(detokenizer, ids);
    expect(detokenizer.text).toBe(SAMPLE);
    expect(deltas.join("")).toBe(SAMPLE);
  });

  it("flush releases a truncated character as U+FFFD, matching the whole decode", () => {
    const ids = encodeIds(tokenizer, "ok 日");
    const truncated = ids.slice(0, -1);
    const detokenizer = new IncrementalDetokenizer(decode);
    const streamed = truncated.map((id) => detokenizer.push(id)).join("");
    expect(streamed).not.toContain(REPLACEMENT);
    const rest = detokenizer.flush();
    expect(rest).toContain(REPLACEMENT);
    expect(streamed + rest).toBe(decode(truncated));
    expect(detokenizer.flush()).toBe("");
  });

  it("any id sequence streams to exactly the whole decode", () => {
    expectAnyIdStreamMatches(tokenizer);
  });

  it("decodes only a short window however long the output grows", () => {
    const windowSizes: number[] = [];
    const counting: TokenDecoder = (ids) => {
      windowSizes.push(ids.length);
      return decode(ids);
    };
    const ids = encodeIds(tokenizer, SAMPLE.repeat(100));
    const deltas = stream(new IncrementalDetokenizer(counting), ids);
    expect(deltas.join("")).toBe(SAMPLE.repeat(100));
    // The longest window is one completed character plus its neighbours, not the whole output.
    expect(Math.max(...windowSizes)).toBeLessThanOrEqual(8);
  });
});

describe("IncrementalDetokenizer with a Llama-style (Metaspace + byte fallback) tokenizer", () => {
  const tokenizer = llamaStyleTokenizer();
  const decode = decoderOf(tokenizer);

  it("keeps the spaces that single-token decoding drops", () => {
    const ids = encodeIds(tokenizer, "Hello world");
    expect(ids.map((id) => decode([id]))).toEqual(["Hello", "world"]);
    const deltas = expectStreamsExactly(tokenizer, "Hello world");
    expect(deltas.slice(0, 2)).toEqual(["Hello", " world"]);
  });

  it("streams byte-fallback characters whole", () => {
    const ids = encodeIds(tokenizer, SAMPLE);
    expect(ids.length).toBeGreaterThan(20);
    expect(decode(ids)).toBe(SAMPLE);
    expectStreamsExactly(tokenizer, SAMPLE);
  });

  it("any id sequence streams to exactly the whole decode", () => {
    expectAnyIdStreamMatches(tokenizer);
  });

  it("with prompt ids as context, the first generated token keeps its leading space", () => {
    const promptIds = encodeIds(tokenizer, "Hello");
    const generated = encodeIds(tokenizer, "Hello world, café").slice(promptIds.length);
    const withContext = new IncrementalDetokenizer(decode, { promptIds });
    expect(stream(withContext, generated).join("")).toBe(" world, café");
    const withoutContext = new IncrementalDetokenizer(decode);
    expect(stream(withoutContext, generated).join("")).toBe("world, café");
  });
});

describe("IncrementalDetokenizer with the generated tiny model's tokenizer", () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    const dir = await tinyModelDir();
    const read = (name: string): object => JSON.parse(readFileSync(join(dir, name), "utf8")) as object;
    tokenizer = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
  });

  it("streams the sample text token by token to exactly the whole decode", () => {
    const deltas = expectStreamsExactly(tokenizer, SAMPLE);
    expect(deltas.join("")).toBe(SAMPLE);
  });

  it("any id sequence streams to exactly the whole decode", () => {
    expectAnyIdStreamMatches(tokenizer);
  });
});
