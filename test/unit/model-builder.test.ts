// The generated model folder: HF layout and config, the ONNX input/output contract, byte-exact
// determinism, size, the byte-level tokenizer (round trip, every id decodes) and chat template.
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { buildByteLevelTokenizer } from "../../scripts/model-builder/byte-level-tokenizer.ts";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../scripts/model-builder/weight-precision.ts";
import { dequantizeBlockwise, quantizeBlockwise } from "../../scripts/model-quantizer/block-quantize.ts";
import { buildModelFolder } from "../../scripts/model-builder/write-model-folder.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

type Json = Record<string, unknown>;
const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8")) as Json;

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

async function loadTokenizer(dir: string): Promise<Tokenizer> {
  return new Tokenizer(await readJson(join(dir, "tokenizer.json")), await readJson(join(dir, "tokenizer_config.json")));
}

const ROUND_TRIP_TEXTS = [
  "Hello, world! The quick brown fox jumps over the lazy dog.",
  "Emoji 🦊🚀👩‍👩‍👧 and accents: naïve café, Ærøskøbing; CJK: 東京タワー, 한국어; math: ∑x² ≤ ∞",
  "  leading spaces,\ttabs,\n\nnewlines\r\n and trailing spaces  ",
  "don't, we'll, it's — 'quotes' \"double\" (1,250) 3.14159 <not-special> </ s>",
];

const scratchDirs: string[] = [];
afterAll(async () => {
  await Promise.all(scratchDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("model builder", () => {
  it("writes the Hugging Face folder layout with a consistent config and tokenizer", async () => {
    const dir = await tinyModelDir();
    expect(await listFiles(dir)).toEqual(["config.json", "generation_config.json", join("onnx", "model.onnx"), "tokenizer.json", "tokenizer_config.json"]);
    const config = await readJson(join(dir, "config.json"));
    expect(config).toMatchObject({
      model_type: "llama",
      architectures: ["LlamaForCausalLM"],
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      max_position_embeddings: 2048,
      vocab_size: 512,
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 0,
      tie_word_embeddings: true,
      torch_dtype: "float32",
    });
    expect(await readJson(join(dir, "generation_config.json"))).toMatchObject({ bos_token_id: 1, eos_token_id: 2 });

    const tokenizerJson = await readJson(join(dir, "tokenizer.json"));
    const vocab = (tokenizerJson.model as { vocab: Record<string, number> }).vocab;
    const ids = Object.values(vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 512 }, (_, i) => i)); // dense 0..vocab-1
    const tokenizerConfig = await readJson(join(dir, "tokenizer_config.json"));
    expect(tokenizerConfig).toMatchObject({ bos_token: "<s>", eos_token: "</s>", pad_token: "<pad>", model_max_length: 2048 });
    expect(vocab["<pad>"]).toBe(0);
    expect(vocab["<s>"]).toBe(1);
    expect(vocab["</s>"]).toBe(2);

    let bytes = 0;
    for (const file of await listFiles(dir)) bytes += (await stat(join(dir, file))).size;
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it("exposes the engine's ONNX contract: names, dtypes and symbolic shapes", async () => {
    const dir = await tinyModelDir({ dtypes: ["fp32", "fp16", "q8"] });
    for (const [file, kv] of [["model.onnx", "float32"], ["model_fp16.onnx", "float16"], ["model_quantized.onnx", "float32"]]) {
      const session = await ort.InferenceSession.create(join(dir, "onnx", file), { intraOpNumThreads: 1 });
      const meta = Object.fromEntries(
        [...session.inputMetadata, ...session.outputMetadata].map((m) => [m.name, m.isTensor ? [m.type, ...m.shape] : []]),
      );
      expect(session.inputNames).toEqual([
        "input_ids", "attention_mask", "position_ids",
        "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value",
        "num_logits_to_keep",
      ]);
      expect(session.outputNames).toEqual(["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"]);
      expect(meta).toMatchObject({
        input_ids: ["int64", "batch_size", "sequence_length"],
        attention_mask: ["int64", "batch_size", "total_sequence_length"],
        position_ids: ["int64", "batch_size", "sequence_length"],
        "past_key_values.1.value": [kv, "batch_size", 2, "past_sequence_length", 16],
        num_logits_to_keep: ["int64"],
        logits: ["float32", "batch_size", "num_logits_to_keep", 512],
        "present.0.key": [kv, "batch_size", 2, "total_sequence_length", 16],
      });
      await session.release();
    }
  });

  it("is deterministic: the same seed gives byte-identical files, another seed other weights", async () => {
    const root = await mkdtemp(join(tmpdir(), "genq-model-builder-"));
    scratchDirs.push(root);
    const build = (name: string, seed: number) =>
      buildModelFolder({ preset: "tiny", outDir: join(root, name), seed, dtypes: ["fp32", "fp16", "q8"], externalData: true });
    await Promise.all([build("a", 1), build("b", 1), build("c", 2)]);
    const files = await listFiles(join(root, "a"));
    expect(files).toContain(join("onnx", "model_fp16.onnx_data"));
    expect(await listFiles(join(root, "b"))).toEqual(files);
    for (const file of files) {
      expect(Buffer.compare(await readFile(join(root, "a", file)), await readFile(join(root, "b", file))), file).toBe(0);
    }
    const weights = join("onnx", "model.onnx_data");
    expect(Buffer.compare(await readFile(join(root, "a", weights)), await readFile(join(root, "c", weights)))).not.toBe(0);
  });

  it("tokenizer round-trips English, emoji and multibyte text exactly and decodes every id", async () => {
    const tiny = await loadTokenizer(await tinyModelDir());
    // The bench vocabulary (32000: corpus merges, then seeded word-like merges), built in memory.
    const benchFiles = buildByteLevelTokenizer({ vocabSize: 32000, seed: 1, modelMaxLength: 4096 });
    const bench = new Tokenizer(benchFiles.tokenizerJson, benchFiles.tokenizerConfig);
    for (const [tokenizer, vocabSize] of [[tiny, 512], [bench, 32000]] as const) {
      for (const text of ROUND_TRIP_TEXTS) {
        const ids = tokenizer.encode(text).ids;
        expect(ids[0]).toBe(1); // <s> from the post-processor
        expect(Math.max(...ids)).toBeLessThan(vocabSize);
        expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
        expect(tokenizer.encode(text, { add_special_tokens: false }).ids).toEqual(ids.slice(1));
      }
      expect(tokenizer.encode("hi</s>", { add_special_tokens: false }).ids.at(-1)).toBe(2);
      expect(tokenizer.decode([1, 2, 0], { skip_special_tokens: false })).toBe("<s></s><pad>");
      for (let id = 0; id < vocabSize; id++) expect(typeof tokenizer.decode([id], { skip_special_tokens: false })).toBe("string");
    }
    // Learned merges make common English words single tokens; every merge makes a new token.
    expect(tiny.encode(" the", { add_special_tokens: false }).ids).toHaveLength(1);
    const model = benchFiles.tokenizerJson.model as { vocab: Record<string, number>; merges: Array<[string, string]> };
    expect(new Set(model.merges.map(([a, b]) => a + b)).size).toBe(model.merges.length);
    expect(Object.keys(model.vocab)).toHaveLength(32000);
  });

  it("chat template renders system/user/assistant turns and the generation prompt", async () => {
    const dir = await tinyModelDir();
    const config = await readJson(join(dir, "tokenizer_config.json"));
    const template = new Template(config.chat_template as string);
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi!" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "Bye?" },
    ];
    const specials = { bos_token: "<s>", eos_token: "</s>", pad_token: "<pad>" };
    const rendered = template.render({ messages, add_generation_prompt: true, ...specials });
    expect(rendered).toBe(
      "<s><|system|>\nBe brief.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n<|user|>\nBye?</s>\n<|assistant|>\n",
    );
    expect(template.render({ messages: messages.slice(0, 2), add_generation_prompt: false, ...specials })).toBe(
      "<s><|system|>\nBe brief.</s>\n<|user|>\nHi!</s>\n",
    );
    const ids = (await loadTokenizer(dir)).encode(rendered, { add_special_tokens: false }).ids;
    expect(ids[0]).toBe(1);
    expect(ids.filter((id: number) => id === 2)).toHaveLength(4);
  });

  it("float16 rounds to nearest even and block quantization stays within half a step of its block's scale", () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even
    expect(float16BitsToFloat32(float32ToFloat16Bits(2 ** -20))).toBe(2 ** -20); // subnormal
    expect(float16BitsToFloat32(float32ToFloat16Bits(0.1))).toBeCloseTo(0.1, 3);

    // [K = 40, N = 3]: two blocks of 32 per column, the second zero padded.
    const data = Float32Array.from({ length: 120 }, (_, i) => Math.sin(i) * (i + 1));
    for (const bits of [4, 8] as const) {
      const q = quantizeBlockwise(data, 40, 3, bits);
      expect(q.scales).toHaveLength(3 * 2);
      expect(q.codes).toHaveLength(3 * 2 * (32 * bits) / 8);
      const back = dequantizeBlockwise(q);
      data.forEach((value, i) => {
        const scale = q.scales[(i % 3) * 2 + Math.floor(Math.floor(i / 3) / 32)];
        expect(Math.abs(back[i] - value)).toBeLessThanOrEqual(scale / 2 + 1e-5);
      });
      // Symmetric: the largest magnitude of each block maps to ±(2^(bits-1) - 1) exactly.
      const maxAbs = Math.max(...data.filter((_, i) => i % 3 === 0 && i < 96).map(Math.abs));
      expect(q.scales[0]).toBeCloseTo(maxAbs / (2 ** (bits - 1) - 1), 5);
    }
  });
});
