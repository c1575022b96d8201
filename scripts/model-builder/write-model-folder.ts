// Builds a complete generated model folder in the Hugging Face / transformers.js ONNX layout:
// config.json, generation_config.json, tokenizer files and onnx/model*.onnx (+ external data).
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildByteLevelTokenizer } from "./byte-level-tokenizer.ts";
import { hfConfigJson, hfGenerationConfigJson, llamaPreset, llamaParameterCount, type ModelPreset } from "./llama-config.ts";
import onnxProto from "onnx-proto";
import { dynamicQuantizeMatMuls } from "../model-quantizer/dynamic-quantize.ts";
import { quantizeMatMuls } from "../model-quantizer/quantize-matmuls.ts";
import { writeOnnxModel } from "../model-quantizer/onnx-model-file.ts";
import { buildLlamaGraph, type AttentionLayout } from "./llama-graph.ts";
import { generateLlamaWeights } from "./seeded-weights.ts";

/**
 * fp32 / fp16 are written directly; q8 / q4 are the fp32 graph through the quantizer (MatMulNBits,
 * block 32); int8 / uint8 stand in for dynamic quantization (per-tensor activation scales).
 */
export type ModelDtype = "fp32" | "fp16" | "q8" | "q4" | "int8" | "uint8";
export type { AttentionLayout } from "./llama-graph.ts";

export interface BuildModelOptions {
  preset: ModelPreset;
  outDir: string;
  /** Weight and tokenizer seed; the same seed gives byte-identical files. Default 1. */
  seed?: number;
  /** fp32 → onnx/model.onnx, fp16 → model_fp16.onnx, q8 → model_quantized.onnx, q4 → model_q4.onnx. Default ["fp32"]. */
  dtypes?: ModelDtype[];
  /** Default true: the graph has a `position_ids` input; false = positions from cumsum(attention_mask)-1. */
  positionIds?: boolean;
  /** Default true: int64 scalar input `num_logits_to_keep`; false = logits for every position. */
  logitsToKeepInput?: boolean;
  /** Stand-in of another exporter's attention (see AttentionLayout). Default "external-mask". */
  attention?: AttentionLayout;
  /** Dtype of input_ids / attention_mask. Default int64. */
  inputIdsDtype?: "int64" | "int32";
  /** Write Xenova's merged decoder (`onnx/decoder_model_merged*.onnx` with use_cache_branch) instead of model*.onnx. */
  mergedDecoder?: boolean;
  /**
   * Weights in `<file>.onnx_data` beside the graph instead of inline. Default: only when the
   * weights exceed EXTERNAL_DATA_AUTO_BYTES (protobuf caps a message at 2 GB; big inline buffers are slow).
   */
  externalData?: boolean;
}

/** transformers.js file-name suffix per dtype. */
const DTYPE_SUFFIXES: Record<ModelDtype, string> = { fp32: "", fp16: "_fp16", q8: "_quantized", q4: "_q4", int8: "_int8", uint8: "_uint8" };

export const ONNX_FILE_NAMES: Record<ModelDtype, string> = {
  fp32: "model.onnx",
  fp16: "model_fp16.onnx",
  q8: "model_quantized.onnx",
  q4: "model_q4.onnx",
  int8: "model_int8.onnx",
  uint8: "model_uint8.onnx",
};

export function onnxFileName(dtype: ModelDtype, mergedDecoder = false): string {
  return `${mergedDecoder ? "decoder_model_merged" : "model"}${DTYPE_SUFFIXES[dtype]}.onnx`;
}

/** Weights above this size (in the fp32 variant) go to external data by default. */
export const EXTERNAL_DATA_AUTO_BYTES = 32 * 1024 * 1024;
/** Initializers smaller than this stay inline even in a model with external data (as in onnx). */
const EXTERNAL_MIN_TENSOR_BYTES = 1024;

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function writeChunks(path: string, chunks: Uint8Array[]): Promise<void> {
  const file = await open(path, "w");
  try {
    for (const chunk of chunks) await file.write(chunk);
  } finally {
    await file.close();
  }
}

export async function buildModelFolder(options: BuildModelOptions): Promise<void> {
  const seed = options.seed ?? 1;
  const dtypes = [...new Set<ModelDtype>(options.dtypes ?? ["fp32"])];
  const positionIds = options.positionIds ?? true;
  const logitsToKeepInput = options.logitsToKeepInput ?? true;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  for (const dtype of dtypes) if (!(dtype in ONNX_FILE_NAMES)) throw new Error(`unknown dtype "${dtype}" (fp32, fp16, q8, q4, int8, uint8)`);

  const config = llamaPreset(options.preset);
  const external = options.externalData ?? llamaParameterCount(config) * 4 > EXTERNAL_DATA_AUTO_BYTES;
  const tokenizer = buildByteLevelTokenizer({ vocabSize: config.vocabSize, seed, modelMaxLength: config.maxPositionEmbeddings });
  const weights = generateLlamaWeights(config, seed);

  const onnxDir = join(options.outDir, "onnx");
  await mkdir(onnxDir, { recursive: true });
  const externalFiles: Record<string, boolean> = {};
  const layout = { attention: options.attention, inputIdsDtype: options.inputIdsDtype, mergedDecoder: options.mergedDecoder };
  for (const dtype of dtypes) {
    const fileName = onnxFileName(dtype, options.mergedDecoder);
    const quantBits = dtype === "q8" ? 8 : dtype === "q4" ? 4 : undefined;
    const graph = buildLlamaGraph(config, weights, { dtype: dtype === "fp16" ? "fp16" : "fp32", positionIds, logitsToKeepInput, ...layout });
    if (quantBits || dtype === "int8" || dtype === "uint8") {
      // The same quantizer `npm run model:quantize` applies to any fp32 export.
      const model = onnxProto.onnx.ModelProto.decode(graph.encode().model);
      if (quantBits) quantizeMatMuls(model, { bits: quantBits });
      else dynamicQuantizeMatMuls(model, dtype as "int8" | "uint8");
      await writeOnnxModel(model, join(onnxDir, fileName), external ? { externalMinBytes: EXTERNAL_MIN_TENSOR_BYTES } : {});
      externalFiles[fileName] = external;
      continue;
    }
    const location = `${fileName}_data`;
    const encoded = graph.encode(external ? { externalData: { location, minBytes: EXTERNAL_MIN_TENSOR_BYTES } } : {});
    await writeFile(join(onnxDir, fileName), encoded.model);
    if (encoded.externalChunks.length > 0) await writeChunks(join(onnxDir, location), encoded.externalChunks);
    externalFiles[fileName] = encoded.externalChunks.length > 0;
  }

  await writeJson(
    join(options.outDir, "config.json"),
    hfConfigJson(config, {
      "transformers.js_config": {
        kv_cache_dtype: { fp16: "float16", q8: "float32", q4: "float32" },
        use_external_data_format: externalFiles,
      },
      genq_builder: {
        preset: options.preset,
        seed,
        dtypes,
        position_ids: positionIds,
        num_logits_to_keep: logitsToKeepInput,
        attention: options.attention ?? "external-mask",
        input_ids_dtype: options.inputIdsDtype ?? "int64",
        merged_decoder: options.mergedDecoder ?? false,
      },
    }),
  );
  await writeJson(join(options.outDir, "generation_config.json"), hfGenerationConfigJson());
  await writeJson(join(options.outDir, "tokenizer.json"), tokenizer.tokenizerJson);
  await writeJson(join(options.outDir, "tokenizer_config.json"), tokenizer.tokenizerConfig);
}
