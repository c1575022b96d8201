// A plain TypeScript float64 forward pass of the generated Llama decoder, written from the
// architecture (not from the ONNX graph), so tests can check onnxruntime's logits against it.
import type { LlamaConfig } from "../../scripts/model-builder/llama-config.ts";
import type { LlamaWeights } from "../../scripts/model-builder/seeded-weights.ts";

export interface ReferenceInputs {
  /** [batch][seq] token ids. */
  inputIds: number[][];
  /** [batch][past+seq], 1 = real token, 0 = padding (anywhere). */
  attentionMask: number[][];
  /** [batch][seq]; default cumsum(attention_mask)-1 clamped at 0 (what position-free exports do). */
  positionIds?: number[][];
  /** Per layer, row-major [batch, kvHeads, past, headDim]; default: no past. */
  past?: Array<{ key: ArrayLike<number>; value: ArrayLike<number> }>;
  /** Logits for the last K positions only; 0 or undefined = every position. */
  logitsToKeep?: number;
}

export interface ReferenceOutputs {
  /** Row-major [batch, K, vocab]. */
  logits: Float64Array;
  logitsDims: [number, number, number];
  /** Per layer, row-major [batch, kvHeads, past+seq, headDim]. */
  present: Array<{ key: Float64Array; value: Float64Array }>;
}

/** y[out] = Σ_in x[in]·W[in, out] for a row-major [in, out] matrix. */
function matVec(x: Float64Array, w: Float32Array, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const xi = x[i];
    const row = i * outDim;
    for (let o = 0; o < outDim; o++) y[o] += xi * w[row + o];
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let meanSquare = 0;
  for (const v of x) meanSquare += v * v;
  const inverse = 1 / Math.sqrt(meanSquare / x.length + eps);
  return x.map((v, i) => v * inverse * weight[i]);
}

/** HF rotate_half RoPE on one head vector, in place; angles from the position in float64. */
function applyRope(x: Float64Array, offset: number, headDim: number, position: number, theta: number): void {
  const half = headDim / 2;
  for (let k = 0; k < half; k++) {
    const angle = position / Math.pow(theta, (2 * k) / headDim);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const x1 = x[offset + k];
    const x2 = x[offset + half + k];
    x[offset + k] = x1 * c - x2 * s;
    x[offset + half + k] = x2 * c + x1 * s;
  }
}

function defaultPositions(mask: number[], seqLen: number): number[] {
  let count = 0;
  const all = mask.map((m) => Math.max(0, (count += m) - 1));
  return all.slice(all.length - seqLen);
}

export function referenceLlamaForward(config: LlamaConfig, weights: LlamaWeights, inputs: ReferenceInputs): ReferenceOutputs {
  const { hiddenSize: h, numAttentionHeads: nh, numKeyValueHeads: kvh, headDim: hd, vocabSize: vocab } = config;
  const qDim = nh * hd;
  const kvDim = kvh * hd;
  const group = nh / kvh;
  const batch = inputs.inputIds.length;
  const seq = inputs.inputIds[0].length;
  const total = inputs.attentionMask[0].length;
  const pastLen = total - seq;
  const keep = inputs.logitsToKeep ? Math.min(inputs.logitsToKeep, seq) : seq;
  const layers = config.numHiddenLayers;
  const present = Array.from({ length: layers }, () => ({
    key: new Float64Array(batch * kvh * total * hd),
    value: new Float64Array(batch * kvh * total * hd),
  }));
  const logits = new Float64Array(batch * keep * vocab);
  const cacheIndex = (b: number, g: number, t: number) => ((b * kvh + g) * total + t) * hd;

  for (let b = 0; b < batch; b++) {
    const mask = inputs.attentionMask[b];
    const positions = inputs.positionIds?.[b] ?? defaultPositions(mask, seq);
    for (let l = 0; l < layers; l++) {
      const pastLayer = inputs.past?.[l];
      for (let g = 0; g < kvh; g++) {
        for (let t = 0; t < pastLen; t++) {
          for (let d = 0; d < hd; d++) {
            const from = ((b * kvh + g) * pastLen + t) * hd + d;
            present[l].key[cacheIndex(b, g, t) + d] = pastLayer ? pastLayer.key[from] : 0;
            present[l].value[cacheIndex(b, g, t) + d] = pastLayer ? pastLayer.value[from] : 0;
          }
        }
      }
    }

    // Hidden states of the new tokens: [seq][hidden].
    let hidden = inputs.inputIds[b].map((id) => Float64Array.from(weights.embedTokens.subarray(id * h, (id + 1) * h)));
    weights.layers.forEach((layer, l) => {
      const queries: Float64Array[] = [];
      for (let s = 0; s < seq; s++) {
        const x = rmsNorm(hidden[s], layer.inputNorm, config.rmsNormEps);
        const q = matVec(x, layer.qProj, h, qDim);
        const k = matVec(x, layer.kProj, h, kvDim);
        const v = matVec(x, layer.vProj, h, kvDim);
        for (let head = 0; head < nh; head++) applyRope(q, head * hd, hd, positions[s], config.ropeTheta);
        for (let g = 0; g < kvh; g++) {
          applyRope(k, g * hd, hd, positions[s], config.ropeTheta);
          const at = cacheIndex(b, g, pastLen + s);
          present[l].key.set(k.subarray(g * hd, (g + 1) * hd), at);
          present[l].value.set(v.subarray(g * hd, (g + 1) * hd), at);
        }
        queries.push(q);
      }

      hidden = hidden.map((residual, s) => {
        const context = new Float64Array(qDim);
        for (let head = 0; head < nh; head++) {
          const g = Math.floor(head / group); // grouped-query attention: kv head of this query head
          const visible = (t: number) => t <= pastLen + s && mask[t] === 1;
          const scores = new Float64Array(total);
          let max = -Infinity;
          let anyVisible = false;
          for (let t = 0; t < total; t++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += queries[s][head * hd + d] * present[l].key[cacheIndex(b, g, t) + d];
            scores[t] = dot / Math.sqrt(hd);
            if (visible(t)) {
              anyVisible = true;
              max = Math.max(max, scores[t]);
            }
          }
          // The graph's mask is a finite -1e9: a row with no visible key attends uniformly
          // to all keys (no NaN). Such rows only occur at padding positions.
          const weightOf = (t: number) => (!anyVisible ? 1 : visible(t) ? Math.exp(scores[t] - max) : 0);
          let sum = 0;
          for (let t = 0; t < total; t++) sum += weightOf(t);
          for (let t = 0; t < total; t++) {
            const p = weightOf(t) / sum;
            if (p === 0) continue;
            for (let d = 0; d < hd; d++) context[head * hd + d] += p * present[l].value[cacheIndex(b, g, t) + d];
          }
        }
        const attnOut = matVec(context, layer.oProj, qDim, h);
        const afterAttn = residual.map((r, i) => r + attnOut[i]);
        const y = rmsNorm(afterAttn, layer.postAttentionNorm, config.rmsNormEps);
        const gate = matVec(y, layer.gateProj, h, config.intermediateSize);
        const up = matVec(y, layer.upProj, h, config.intermediateSize);
        const act = gate.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[i]);
        const down = matVec(act, layer.downProj, config.intermediateSize, h);
        return afterAttn.map((r, i) => r + down[i]);
      });
    });

    for (let k = 0; k < keep; k++) {
      const normed = rmsNorm(hidden[seq - keep + k], weights.finalNorm, config.rmsNormEps);
      const row = (b * keep + k) * vocab;
      for (let token = 0; token < vocab; token++) {
        let dot = 0;
        for (let i = 0; i < h; i++) dot += normed[i] * weights.embedTokens[token * h + i];
        logits[row + token] = dot;
      }
    }
  }
  return { logits, logitsDims: [batch, keep, vocab], present };
}
