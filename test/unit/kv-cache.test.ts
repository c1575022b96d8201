// KvCache re-packing without a model: left padding, trimming of all-padding columns, merging two
// batches, fp16 bits moved untouched, byte accounting; and decoding fp16 logits rows.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { float16ToFloat32 } from "../../worker/model/float16-to-float32.ts";
import { KvCache } from "../../worker/model/kv-cache.ts";
import type { KvShape } from "../../worker/model/model-signature.ts";

const shape: KvShape = { layers: 1, kvHeads: 2, headDim: 2, dtype: "float32" };

/**
 * A cache whose rows are given as lists of token "values" (null = padding): element
 * [r, h, c, d] = value * 10 + h + d / 10, so every moved element can be traced.
 */
function cacheOf(rows: Array<Array<number | null>>, kvShape: KvShape = shape): KvCache {
  const columns = rows[0].length;
  const mask = new Uint8Array(rows.flat().map((v) => (v === null ? 0 : 1)));
  const tensors = [0, 1].map((part) => {
    const n = rows.length * kvShape.kvHeads * columns * kvShape.headDim;
    const data = kvShape.dtype === "float16" ? new Uint16Array(n) : new Float32Array(n);
    rows.forEach((row, r) =>
      row.forEach((value, c) => {
        for (let h = 0; h < kvShape.kvHeads; h++) {
          for (let d = 0; d < kvShape.headDim; d++) {
            const at = ((r * kvShape.kvHeads + h) * columns + c) * kvShape.headDim + d;
            data[at] = value === null ? 0 : value * 10 + h + d / 10 + part * 1000;
          }
        }
      }),
    );
    return new ort.Tensor(kvShape.dtype, data, [rows.length, kvShape.kvHeads, columns, kvShape.headDim]);
  });
  const empty = KvCache.empty(kvShape, rows.length);
  return KvCache.fromPresent(empty, tensors, mask, columns);
}

/** Reads a cache back as rows of values (null = padding), from head 0, dim 0 of the key tensor. */
function rowsOf(cache: KvCache): Array<Array<number | null>> {
  const data = cache.tensors[0].data as Float32Array | Uint16Array;
  return Array.from({ length: cache.rows }, (_, r) =>
    Array.from({ length: cache.columns }, (_, c) =>
      cache.mask[r * cache.columns + c] ? data[(r * shape.kvHeads * cache.columns + c) * shape.headDim] / 10 : null,
    ),
  );
}

describe("KvCache", () => {
  it("drops rows and trims columns that are padding in every remaining row", () => {
    const cache = cacheOf([
      [1, 2, 3, 4],
      [null, null, 5, 6],
      [null, 7, 8, 9],
    ]);
    const packed = KvCache.gather(shape, [
      { cache, row: 2 },
      { cache, row: 1 },
    ]);
    expect(packed.columns).toBe(3);
    expect(rowsOf(packed)).toEqual([
      [7, 8, 9],
      [null, 5, 6],
    ]);
    // Every head, every dim and the value tensor moved too.
    const value = packed.tensors[1].data as Float32Array;
    expect(value[((0 * 2 + 1) * 3 + 2) * 2 + 1]).toBeCloseTo(1000 + 90 + 1 + 0.1, 4);
    expect(packed.realTokens(1)).toBe(2);
    expect(packed.leadingPad(1)).toBe(1);
  });

  it("merges two batches right aligned, left padding the shorter", () => {
    const running = cacheOf([
      [null, 1, 2],
      [3, 4, 5],
    ]);
    const joining = cacheOf([[6, 7, 8, 9, 10]]);
    const merged = KvCache.gather(shape, [
      { cache: running, row: 0 },
      { cache: running, row: 1 },
      { cache: joining, row: 0 },
    ]);
    expect(rowsOf(merged)).toEqual([
      [null, null, null, 1, 2],
      [null, null, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
  });

  it("keeps holes inside a row and feeds present tensors through without copying", () => {
    const cache = cacheOf([[1, null, 2]]);
    expect(rowsOf(KvCache.gather(shape, [{ cache, row: 0 }]))).toEqual([[1, null, 2]]);
    const grown = new ort.Tensor("float32", new Float32Array(1 * 2 * 4 * 2), [1, 2, 4, 2]);
    const next = KvCache.fromPresent(cache, [grown, grown], new Uint8Array([1]), 1);
    expect(next.tensors[0]).toBe(grown);
    expect(Array.from(next.mask)).toEqual([1, 0, 1, 1]);
    expect(() => KvCache.fromPresent(cache, [grown, grown], new Uint8Array([1, 1]), 2)).toThrow(/expected float32/);
  });

  it("moves fp16 bit patterns untouched and counts 2 bytes per element", () => {
    const half: KvShape = { ...shape, dtype: "float16" };
    const cache = cacheOf([[1, 2], [null, 3]], half);
    const packed = KvCache.gather(half, [{ cache, row: 1 }]);
    expect(packed.tensors[0].type).toBe("float16");
    expect(packed.tensors[0].data).toBeInstanceOf(Uint16Array);
    // Uint16Array holds whatever bits it is given (here truncated integers); gather copies them as they are.
    expect(Array.from(packed.tensors[0].data as Uint16Array)).toEqual([30, 30, 31, 31]);
    // 1 row × 1 column × (key + value) × 1 layer × 2 heads × 2 dims × 2 bytes
    expect(packed.bytes).toBe(16);
    expect(cache.bytes).toBe(2 * 2 * 2 * 1 * 2 * 2 * 2);
    expect(KvCache.gather(half, []).rows).toBe(0);
  });

  it("starts empty with zero columns", () => {
    const empty = KvCache.empty(shape, 3);
    expect(empty.tensors[0].dims).toEqual([3, 2, 0, 2]);
    expect(empty.slots).toBe(0);
    expect(empty.realTokens(2)).toBe(0);
  });
});

describe("float16ToFloat32", () => {
  it("decodes normals, subnormals, infinities and NaN", () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0xfc00, 0x7e00, 0x8000]);
    const values = Array.from(float16ToFloat32(bits));
    expect(values.slice(0, 4)).toEqual([1, -2, 65504, 2 ** -24]);
    expect(values[4]).toBeCloseTo(1 / 3, 3);
    expect(values.slice(5, 7)).toEqual([Infinity, -Infinity]);
    expect(values[7]).toBeNaN();
    expect(Object.is(values[8], -0)).toBe(true);
  });
});
