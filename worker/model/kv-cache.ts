// The KV cache of one rectangular batch: per layer a key and a value tensor [rows, kvHeads, columns,
// headDim] (float32, or float16 stored as Uint16Array bits) plus the key mask [rows, columns] (1 = real
// token, 0 = padding). Rows are left padded, or start at column 0 for graphs that need it (KvShape.align);
// re-packing moves raw elements, never converting dtypes.
import * as ort from "onnxruntime-node";
import type { KvShape } from "./model-signature.ts";

type KvData = Float32Array | Uint16Array;

/** One row of a source cache, for gather(). */
export interface KvRowRef {
  cache: KvCache;
  row: number;
}

const BYTES_PER_ELEMENT = { float32: 4, float16: 2 } as const;

function allocate(shape: KvShape, length: number): KvData {
  return shape.dtype === "float16" ? new Uint16Array(length) : new Float32Array(length);
}

/** Every present tensor must be `shape.dtype` [rows, kvHeads, columns, headDim]. */
function checkPresent(shape: KvShape, rows: number, columns: number, present: ort.Tensor[]): void {
    for (const tensor of present) {
      const [b, h, t, d] = tensor.dims;
      if (b !== rows || h !== shape.kvHeads || t !== columns || d !== shape.headDim || tensor.type !== shape.dtype) {
        throw new Error(
          `present tensor is ${tensor.type} [${tensor.dims.join(", ")}], expected ${shape.dtype} ` +
            `[${rows}, ${shape.kvHeads}, ${columns}, ${shape.headDim}]`,
        );
      }
    }
}

export class KvCache {
  private constructor(
    readonly shape: KvShape,
    readonly rows: number,
    readonly columns: number,
    /** 2 × layers tensors in graph order: layer0.key, layer0.value, layer1.key, ... */
    readonly tensors: ort.Tensor[],
    /** uint8 [rows, columns]: 1 where the key at that column is a real token. */
    readonly mask: Uint8Array,
  ) {}

  /** A cache with no columns yet (the `past` of a first prefill pass): tensors [rows, kvHeads, 0, headDim]. */
  static empty(shape: KvShape, rows: number): KvCache {
    const dims = [rows, shape.kvHeads, 0, shape.headDim];
    const tensors = Array.from({ length: 2 * shape.layers }, () => new ort.Tensor(shape.dtype, allocate(shape, 0), dims));
    return new KvCache(shape, rows, 0, tensors, new Uint8Array(0));
  }

  /**
   * A cache over raw key/value data: `data` holds 2 × layers arrays in graph order, each
   * [rows, kvHeads, columns, headDim] of the shape's dtype; `mask` is uint8 [rows, columns].
   */
  static fromData(shape: KvShape, rows: number, columns: number, data: KvData[], mask: Uint8Array): KvCache {
    const dims = [rows, shape.kvHeads, columns, shape.headDim];
    return new KvCache(shape, rows, columns, data.map((d) => new ort.Tensor(shape.dtype, d, dims)), mask);
  }

  /**
   * Wraps a pass's `present.*` outputs [rows, kvHeads, past + added, headDim] as the next pass's past,
   * without copying them. `addedMask` is uint8 [rows, added] for the columns this pass appended.
   */
  static fromPresent(past: KvCache, present: ort.Tensor[], addedMask: Uint8Array, added: number): KvCache {
    const { shape, rows } = past;
    const columns = past.columns + added;
    checkPresent(shape, rows, columns, present);
    const mask = new Uint8Array(rows * columns);
    for (let r = 0; r < rows; r++) {
      mask.set(past.mask.subarray(r * past.columns, (r + 1) * past.columns), r * columns);
      mask.set(addedMask.subarray(r * added, (r + 1) * added), r * columns + past.columns);
    }
    return new KvCache(shape, rows, columns, present, mask);
  }

  /**
   * Wraps a pass's `present.*` outputs as the next past when the graph decides where each row's new
   * keys land (GroupQueryAttention writes them after the row's own length): `mask` is uint8
   * [rows, columns] for the whole present, columns read from the tensors.
   */
  static fromPresentMasked(past: KvCache, present: ort.Tensor[], mask: Uint8Array): KvCache {
    const { shape, rows } = past;
    const columns = present[0]?.dims[2] ?? 0;
    checkPresent(shape, rows, columns, present);
    if (mask.length !== rows * columns) throw new Error(`present mask has ${mask.length} entries, expected ${rows}×${columns}`);
    return new KvCache(shape, rows, columns, present, mask);
  }

  /**
   * Re-packs rows picked from one or more caches (same KvShape) into a new cache. Each row keeps its
   * span (see span()) and is right aligned (align "end": left padded) or starts at column 0 (align
   * "start"); columns that would be padding in every row are dropped, so the width is the longest
   * picked span. Padding slots are zero.
   */
  static gather(shape: KvShape, picks: KvRowRef[]): KvCache {
    const atStart = shape.align === "start";
    const spans = picks.map(({ cache, row }) => cache.span(row));
    const columns = spans.length > 0 ? Math.max(...spans) : 0;
    const rows = picks.length;
    const { kvHeads, headDim } = shape;
    const mask = new Uint8Array(rows * columns);
    picks.forEach(({ cache, row }, i) => {
      const start = atStart ? 0 : cache.columns - spans[i];
      const from = row * cache.columns + start;
      mask.set(cache.mask.subarray(from, from + spans[i]), i * columns + (atStart ? 0 : columns - spans[i]));
    });
    const tensors = Array.from({ length: 2 * shape.layers }, (_, t) => {
      const data = allocate(shape, rows * kvHeads * columns * headDim);
      picks.forEach(({ cache, row }, i) => {
        if (cache.shape.dtype !== shape.dtype) throw new Error("gather: caches of different dtypes");
        const source = cache.tensors[t].data as KvData;
        const span = spans[i];
        const sourceStart = atStart ? 0 : cache.columns - span;
        const targetStart = atStart ? 0 : columns - span;
        for (let h = 0; h < kvHeads; h++) {
          const from = ((row * kvHeads + h) * cache.columns + sourceStart) * headDim;
          const to = ((i * kvHeads + h) * columns + targetStart) * headDim;
          // Same typed-array class on both sides (checked above), so this is a raw element copy.
          (data as Float32Array).set((source as Float32Array).subarray(from, from + span * headDim), to);
        }
      });
      return new ort.Tensor(shape.dtype, data, [rows, kvHeads, columns, headDim]);
    });
    return new KvCache(shape, rows, columns, tensors, mask);
  }

  /**
   * Columns a row occupies: from its first real column to the end (align "end"), or from column 0 to
   * its last real column (align "start"); 0 for a row with no real token.
   */
  span(row: number): number {
    if (this.shape.align !== "start") return this.columns - this.leadingPad(row);
    const base = row * this.columns;
    let c = this.columns;
    while (c > 0 && this.mask[base + c - 1] === 0) c--;
    return c;
  }

  /** Padding columns before the row's first real token (= columns when the row has none). */
  leadingPad(row: number): number {
    const base = row * this.columns;
    let c = 0;
    while (c < this.columns && this.mask[base + c] === 0) c++;
    return c;
  }

  /** Real tokens held for the row; also its next position id. */
  realTokens(row: number): number {
    let count = 0;
    const base = row * this.columns;
    for (let c = 0; c < this.columns; c++) count += this.mask[base + c];
    return count;
  }

  /** Token slots allocated, padding included (rows × columns). */
  get slots(): number {
    return this.rows * this.columns;
  }

  /** Bytes held by the key and value tensors of every layer. */
  get bytes(): number {
    return KvCache.bytesFor(this.shape, this.slots);
  }

  static bytesFor(shape: KvShape, slots: number): number {
    return slots * 2 * shape.layers * shape.kvHeads * shape.headDim * BYTES_PER_ELEMENT[shape.dtype];
  }
}
