// Block-wise symmetric weight quantization in the layout of onnxruntime's MatMulNBits: a float32
// [K, N] MatMul weight becomes uint8 codes [N, K/blockSize, blockSize·bits/8] (low bits first) and one
// float32 scale per block; no zero points are stored, so the op's default 2^(bits-1) applies.

export type QuantBits = 4 | 8;

export interface BlockQuantized {
  bits: QuantBits;
  blockSize: number;
  /** K (rows of the float weight, the reduction axis) and N (columns, outputs). */
  k: number;
  n: number;
  /** uint8 [N, blocks, blockSize·bits/8]. */
  codes: Uint8Array;
  /** float32 [N · blocks]: weight ≈ (code - 2^(bits-1)) · scale. */
  scales: Float32Array;
}

export function blocksPerColumn(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

/**
 * Quantizes a row-major float32 [K, N] weight. Each block of `blockSize` consecutive K values of one
 * output column shares scale = max|w| / (2^(bits-1) - 1), so codes span ±(2^(bits-1) - 1) around the
 * zero point and the most negative code stays unused (symmetric). K need not divide by blockSize:
 * the tail block is zero padded.
 */
export function quantizeBlockwise(weight: Float32Array, k: number, n: number, bits: QuantBits, blockSize = 32): BlockQuantized {
  if (weight.length !== k * n) throw new Error(`quantizeBlockwise: ${weight.length} values for [${k}, ${n}]`);
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new Error(`block size ${blockSize} must be a power of two ≥ 16`);
  const blocks = blocksPerColumn(k, blockSize);
  const blobBytes = (blockSize * bits) / 8;
  const zeroPoint = 1 << (bits - 1);
  const maxCode = zeroPoint - 1;
  const codes = new Uint8Array(n * blocks * blobBytes);
  const scales = new Float32Array(n * blocks);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      let maxAbs = 0;
      for (let row = start; row < end; row++) maxAbs = Math.max(maxAbs, Math.abs(weight[row * n + col]));
      // Stored as float32, and the codes are rounded against that stored value.
      const scale = Math.fround(maxAbs > 0 ? maxAbs / maxCode : 1);
      scales[col * blocks + b] = scale;
      const blob = (col * blocks + b) * blobBytes;
      for (let i = 0; i < blockSize; i++) {
        const row = start + i;
        const q = row < end ? Math.max(-maxCode, Math.min(maxCode, Math.round(weight[row * n + col] / scale))) : 0;
        const code = q + zeroPoint;
        if (bits === 8) codes[blob + i] = code;
        else codes[blob + (i >> 1)] |= i & 1 ? code << 4 : code;
      }
    }
  }
  return { bits, blockSize, k, n, codes, scales };
}

/** The float32 [K, N] weight the quantized one stands for: what MatMulNBits multiplies by. */
export function dequantizeBlockwise(q: BlockQuantized): Float32Array {
  const { k, n, bits, blockSize } = q;
  const blocks = blocksPerColumn(k, blockSize);
  const blobBytes = (blockSize * bits) / 8;
  const zeroPoint = 1 << (bits - 1);
  const out = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let row = 0; row < k; row++) {
      const b = Math.floor(row / blockSize);
      const i = row % blockSize;
      const blob = (col * blocks + b) * blobBytes;
      const code = bits === 8 ? q.codes[blob + i] : (q.codes[blob + (i >> 1)] >> (i & 1 ? 4 : 0)) & 0xf;
      out[row * n + col] = Math.fround((code - zeroPoint) * q.scales[col * blocks + b]);
    }
  }
  return out;
}
