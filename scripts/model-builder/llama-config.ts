// Llama architecture settings for generated models: the `tiny` (tests) and `bench` (benchmarks)
// presets, and the Hugging Face config.json / generation_config.json written beside the weights.

export type ModelPreset = "tiny" | "bench";

/** The architecture dimensions a generated decoder is built from (HF LlamaConfig subset). */
export interface LlamaConfig {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Equals the tokenizer's vocabulary size, special tokens included. */
  vocabSize: number;
  /** The lm_head reuses the embedding matrix (Gemm transB=1), as in small Llama models. */
  tieWordEmbeddings: true;
}

/** Token ids of the special tokens; the tokenizer builder puts them first in the vocabulary. */
export const SPECIAL_TOKEN_IDS = { pad: 0, bos: 1, eos: 2 } as const;

const PRESETS: Record<ModelPreset, LlamaConfig> = {
  // ≈0.1M params; folder < 1 MB so tests can build it in milliseconds.
  tiny: {
    hiddenSize: 64,
    intermediateSize: 128,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 16,
    maxPositionEmbeddings: 2048,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    vocabSize: 512,
    tieWordEmbeddings: true,
  },
  // ≈40M params (16.4M of them the tied embedding); ≈160 MB in fp32.
  bench: {
    hiddenSize: 512,
    intermediateSize: 1408,
    numHiddenLayers: 8,
    numAttentionHeads: 8,
    numKeyValueHeads: 4,
    headDim: 64,
    maxPositionEmbeddings: 4096,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    vocabSize: 32000,
    tieWordEmbeddings: true,
  },
};

export function llamaPreset(preset: ModelPreset): LlamaConfig {
  const config = PRESETS[preset];
  if (!config) throw new Error(`unknown model preset "${String(preset)}" (expected tiny or bench)`);
  return { ...config };
}

/** Parameter count of the weights (RoPE tables excluded; the tied lm_head counted once). */
export function llamaParameterCount(config: LlamaConfig): number {
  const { hiddenSize: h, intermediateSize: i, numAttentionHeads: nh, numKeyValueHeads: kvh, headDim: hd } = config;
  const attention = h * nh * hd * 2 + h * kvh * hd * 2;
  const mlp = 3 * h * i;
  const perLayer = attention + mlp + 2 * h;
  return config.vocabSize * h + config.numHiddenLayers * perLayer + h;
}

/** config.json in the transformers LlamaConfig format. */
export function hfConfigJson(config: LlamaConfig, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    num_key_value_heads: config.numKeyValueHeads,
    head_dim: config.headDim,
    hidden_act: "silu",
    attention_bias: false,
    mlp_bias: false,
    max_position_embeddings: config.maxPositionEmbeddings,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    vocab_size: config.vocabSize,
    bos_token_id: SPECIAL_TOKEN_IDS.bos,
    eos_token_id: SPECIAL_TOKEN_IDS.eos,
    pad_token_id: SPECIAL_TOKEN_IDS.pad,
    tie_word_embeddings: config.tieWordEmbeddings,
    torch_dtype: "float32",
    use_cache: true,
    ...extra,
  };
}

export function hfGenerationConfigJson(): Record<string, unknown> {
  return {
    bos_token_id: SPECIAL_TOKEN_IDS.bos,
    eos_token_id: SPECIAL_TOKEN_IDS.eos,
    pad_token_id: SPECIAL_TOKEN_IDS.pad,
  };
}

/** Reads a LlamaConfig back from a parsed config.json (used by tests and the reference). */
export function llamaConfigFromHf(json: Record<string, unknown>): LlamaConfig {
  const num = (key: string): number => {
    const value = json[key];
    if (typeof value !== "number") throw new Error(`config.json: ${key} must be a number`);
    return value;
  };
  return {
    hiddenSize: num("hidden_size"),
    intermediateSize: num("intermediate_size"),
    numHiddenLayers: num("num_hidden_layers"),
    numAttentionHeads: num("num_attention_heads"),
    numKeyValueHeads: num("num_key_value_heads"),
    headDim: num("head_dim"),
    maxPositionEmbeddings: num("max_position_embeddings"),
    rmsNormEps: num("rms_norm_eps"),
    ropeTheta: num("rope_theta"),
    vocabSize: num("vocab_size"),
    tieWordEmbeddings: true,
  };
}
