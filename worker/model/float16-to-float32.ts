// Decodes IEEE 754 half-precision bits (how onnxruntime hands out float16 tensors) into float32, for
// the few logits rows that get sampled when an fp16 export also emits fp16 logits.

const exponentTable = new Float32Array(32);
for (let e = 0; e < 32; e++) exponentTable[e] = 2 ** (e - 15);

export function float16ToFloat32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * exponentTable[exponent] * (1 + mantissa / 1024);
  }
  return out;
}
