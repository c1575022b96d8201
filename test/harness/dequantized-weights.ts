// The weights a q8 / q4 generated model effectively multiplies by (its MatMul weights through the
// block quantizer and back), so the float64 reference can check the quantized graph exactly.
import type { LlamaConfig } from "../../scripts/model-builder/llama-config.ts";
import type { LlamaWeights } from "../../scripts/model-builder/seeded-weights.ts";
import { dequantizeBlockwise, quantizeBlockwise, type QuantBits } from "../../scripts/model-quantizer/block-quantize.ts";

export function dequantizedLlamaWeights(config: LlamaConfig, weights: LlamaWeights, bits: QuantBits): LlamaWeights {
  const h = config.hiddenSize;
  const qDim = config.numAttentionHeads * config.headDim;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const inter = config.intermediateSize;
  const dq = (data: Float32Array, k: number, n: number) => dequantizeBlockwise(quantizeBlockwise(data, k, n, bits));
  return {
    // The embedding and the tied lm_head (Gather, Gemm) are not MatMuls: they stay float32.
    embedTokens: weights.embedTokens,
    finalNorm: weights.finalNorm,
    layers: weights.layers.map((l) => ({
      inputNorm: l.inputNorm,
      postAttentionNorm: l.postAttentionNorm,
      qProj: dq(l.qProj, h, qDim),
      kProj: dq(l.kProj, h, kvDim),
      vProj: dq(l.vProj, h, kvDim),
      oProj: dq(l.oProj, qDim, h),
      gateProj: dq(l.gateProj, h, inter),
      upProj: dq(l.upProj, h, inter),
      downProj: dq(l.downProj, inter, h),
    })),
  };
}
