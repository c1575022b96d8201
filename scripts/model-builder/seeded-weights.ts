// The weights of a generated Llama decoder, drawn deterministically from a seed. Matrices are
// stored the way ONNX MatMul consumes them: row-major [in, out] (the transpose of torch Linear).
import type { LlamaConfig } from "./llama-config.ts";
import { SeededRandom } from "./seeded-random.ts";

export interface LlamaLayerWeights {
  /** [hidden] */
  inputNorm: Float32Array;
  /** [hidden, heads*headDim] */
  qProj: Float32Array;
  /** [hidden, kvHeads*headDim] */
  kProj: Float32Array;
  /** [hidden, kvHeads*headDim] */
  vProj: Float32Array;
  /** [heads*headDim, hidden] */
  oProj: Float32Array;
  /** [hidden] */
  postAttentionNorm: Float32Array;
  /** [hidden, intermediate] */
  gateProj: Float32Array;
  /** [hidden, intermediate] */
  upProj: Float32Array;
  /** [intermediate, hidden] */
  downProj: Float32Array;
}

export interface LlamaWeights {
  /** [vocab, hidden]; also the lm_head (tied): logits = hidden · embedTokensᵀ. */
  embedTokens: Float32Array;
  layers: LlamaLayerWeights[];
  /** [hidden] */
  finalNorm: Float32Array;
}

function normalTensor(seed: number, name: string, size: number, std: number, mean = 0): Float32Array {
  const random = new SeededRandom(seed, name);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = mean + std * random.normal();
  return data;
}

/** Embedding std, as in trained Llamas: small next to the O(1) layer outputs. */
const EMBEDDING_STD = 0.02;
/** Target std of the logits, so the greedy argmax is never a near-tie. */
const LOGIT_STD = 4;

/**
 * Scales are chosen so the random model behaves like a trained one in the ways tests and
 * benchmarks care about: projections keep activations O(1) (std 1/√fan_in) so every layer
 * matters, attention scores are spread (≈N(0, 1.5²)) rather than uniform, the small embedding
 * keeps a token from mostly predicting itself (the lm_head is tied), and the final norm's gain
 * gives logits with std ≈ LOGIT_STD.
 */
export function generateLlamaWeights(config: LlamaConfig, seed: number): LlamaWeights {
  const h = config.hiddenSize;
  const qDim = config.numAttentionHeads * config.headDim;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const inter = config.intermediateSize;
  const fanIn = (n: number) => 1 / Math.sqrt(n);
  const outputGain = LOGIT_STD / (EMBEDDING_STD * Math.sqrt(h));
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < config.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    layers.push({
      inputNorm: normalTensor(seed, `${p}.input_layernorm.weight`, h, 0.1, 1),
      qProj: normalTensor(seed, `${p}.self_attn.q_proj.weight`, h * qDim, 1.5 * fanIn(h)),
      kProj: normalTensor(seed, `${p}.self_attn.k_proj.weight`, h * kvDim, fanIn(h)),
      vProj: normalTensor(seed, `${p}.self_attn.v_proj.weight`, h * kvDim, fanIn(h)),
      oProj: normalTensor(seed, `${p}.self_attn.o_proj.weight`, qDim * h, fanIn(qDim)),
      postAttentionNorm: normalTensor(seed, `${p}.post_attention_layernorm.weight`, h, 0.1, 1),
      gateProj: normalTensor(seed, `${p}.mlp.gate_proj.weight`, h * inter, fanIn(h)),
      upProj: normalTensor(seed, `${p}.mlp.up_proj.weight`, h * inter, fanIn(h)),
      downProj: normalTensor(seed, `${p}.mlp.down_proj.weight`, inter * h, fanIn(inter)),
    });
  }
  return {
    embedTokens: normalTensor(seed, "model.embed_tokens.weight", config.vocabSize * h, EMBEDDING_STD),
    layers,
    finalNorm: normalTensor(seed, "model.norm.weight", h, 0.1 * outputGain, outputGain),
  };
}

/** RoPE tables for positions 0..maxPos-1 (HF convention): [maxPos, headDim/2] each, float32. */
export function ropeTables(config: LlamaConfig): { cos: Float32Array; sin: Float32Array } {
  const half = config.headDim / 2;
  const cos = new Float32Array(config.maxPositionEmbeddings * half);
  const sin = new Float32Array(config.maxPositionEmbeddings * half);
  for (let pos = 0; pos < config.maxPositionEmbeddings; pos++) {
    for (let k = 0; k < half; k++) {
      const invFreq = 1 / Math.pow(config.ropeTheta, (2 * k) / config.headDim);
      cos[pos * half + k] = Math.cos(pos * invFreq);
      sin[pos * half + k] = Math.sin(pos * invFreq);
    }
  }
  return { cos, sin };
}
