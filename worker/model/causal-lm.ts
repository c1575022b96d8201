// One causal-LM ONNX session and its forward pass, fed the way its graph needs (see feed-plan.ts).
// Boundary: input_ids / attention_mask / position_ids int64 or int32 (as the graph declares) [B, S] /
// [B, past+S] / [B, S], past_key_values.* [B, kvHeads, past, headDim] (KvCache dtype); out: logits
// [B, K, vocab] (K = num_logits_to_keep when the graph takes it, else S) and present.* [B, kvHeads, past+S, headDim].
import * as ort from "onnxruntime-node";
import { runBatchSelfCheck, type SelfCheckReport } from "./batch-self-check.ts";
import { createInferenceSession, type ExecutionDevice } from "./create-inference-session.ts";
import { endAlignedPlan, startAlignedPlan, type FeedPlan } from "./feed-plan.ts";
import { feedingPolicyFor, type FeedingPolicy } from "./feeding-policy.ts";
import { float16ToFloat32 } from "./float16-to-float32.ts";
import { readGraphOpTypes } from "./graph-op-types.ts";
import { KvCache } from "./kv-cache.ts";
import { modelFilePath, type ModelDtype } from "./model-file-path.ts";
import { readModelSignature, type IndexDtype, type ModelSignature } from "./model-signature.ts";

export interface CausalLmLoadOptions {
  device: ExecutionDevice;
  dtype: ModelDtype;
  intraOpThreads?: number;
  /** Default true: run the batch self-check (batch-self-check.ts) and adopt the policy it settles on. */
  selfCheck?: boolean;
}

export interface ForwardInput {
  /** Cache for the same rows: R rows, P columns (P may be 0). */
  past: KvCache;
  /** Token ids [R, S] row-major; ids in padding slots are ignored (masked), use any valid id. */
  tokenIds: ArrayLike<number>;
  /** uint8 [R, S]: 1 = real token, 0 = padding. */
  tokenMask: Uint8Array;
  /** S: columns appended by this pass. */
  columns: number;
  /** "last": logits of each row's last column; "none": only the cache is wanted (a non-final prefill chunk). */
  logits: "last" | "none";
}

export interface ForwardOutput {
  /** R rows, P + S columns: the next pass's past, not copied. */
  present: KvCache;
  /** Per row, float32 [vocab] logits of column S-1 (views into the output when it is float32). */
  lastLogits: Float32Array[] | null;
}

export class CausalLm {
  /** Which pass shapes are safe; narrowed by the load-time self-check when needed. */
  feeding: FeedingPolicy;
  /** What the load-time self-check found (undefined when it was skipped). */
  selfCheck?: SelfCheckReport;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
  ) {
    this.feeding = feedingPolicyFor(signature.attention);
  }

  static async load(folder: string, config: Record<string, unknown>, options: CausalLmLoadOptions): Promise<CausalLm> {
    const path = modelFilePath(folder, options.dtype);
    const session = await createInferenceSession(path, options);
    try {
      const lm = new CausalLm(session, readModelSignature(session, config, await readGraphOpTypes(path)));
      if (options.selfCheck !== false) {
        const vocabSize = typeof config.vocab_size === "number" ? config.vocab_size : 256;
        lm.selfCheck = await runBatchSelfCheck(lm, vocabSize);
      }
      return lm;
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  emptyCache(rows: number): KvCache {
    return KvCache.empty(this.signature.kv, rows);
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { past, tokenIds, tokenMask, columns } = input;
    const rows = past.rows;
    if (tokenIds.length !== rows * columns || tokenMask.length !== rows * columns) {
      throw new Error(`forward: expected ${rows}×${columns} token ids and mask, got ${tokenIds.length} and ${tokenMask.length}`);
    }
    const { signature } = this;
    const startAligned = signature.kv.align === "start";
    const plan = (startAligned ? startAlignedPlan : endAlignedPlan)(past, tokenIds, tokenMask, columns);
    const total = past.columns + columns;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: indexTensor(signature.inputIdsDtype, plan.ids, [rows, columns]),
      attention_mask: indexTensor(signature.attentionMaskDtype, plan.mask, [rows, total]),
    };
    if (signature.hasPositionIds) feeds.position_ids = indexTensor(signature.positionIdsDtype, plan.positions, [rows, columns]);
    const keep = logitsToKeep(plan, columns);
    if (signature.hasLogitsToKeep) feeds.num_logits_to_keep = new ort.Tensor("int64", BigInt64Array.of(BigInt(keep)), []);
    if (signature.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor("bool", [past.columns > 0], [1]);
    signature.pastNames.forEach((name, i) => (feeds[name] = past.tensors[i]));

    const fetches = input.logits === "last" ? ["logits", ...signature.presentNames] : signature.presentNames;
    const outputs = await this.session.run(feeds, fetches);
    const presentTensors = signature.presentNames.map((name) => outputs[name] as ort.Tensor);
    const present = startAligned
      ? KvCache.fromPresentMasked(past, presentTensors, plan.presentMask)
      : KvCache.fromPresent(past, presentTensors, tokenMask, columns);
    return {
      present,
      lastLogits: input.logits === "last" ? lastRows(outputs.logits as ort.Tensor, rows, plan.lastColumns, columns) : null,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** int64 (through little-endian int32 views: no BigInt per element) or int32 [dims] from small ints. */
function indexTensor(dtype: IndexDtype, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (dtype === "int32") return new ort.Tensor("int32", Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  const words = new Int32Array(data.buffer);
  for (let i = 0; i < values.length; i++) {
    words[2 * i] = values[i];
    words[2 * i + 1] = values[i] < 0 ? -1 : 0;
  }
  return new ort.Tensor("int64", data, dims);
}

/** The fewest trailing positions that hold every row's last new token (1 when all end in column S-1). */
function logitsToKeep(plan: FeedPlan, columns: number): number {
  let first = columns - 1;
  for (const c of plan.lastColumns) first = Math.min(first, c);
  return columns - first;
}

/**
 * Per row, float32 [vocab] logits at chunk column lastColumns[r], from logits [R, K, vocab] covering
 * the last K columns (views when float32; float16 rows are decoded for those rows only).
 */
function lastRows(logits: ort.Tensor, rows: number, lastColumns: Int32Array, columns: number): Float32Array[] {
  const [b, keep, vocab] = logits.dims;
  if (logits.dims.length !== 3 || b !== rows) throw new Error(`logits shape [${logits.dims.join(", ")}], expected [${rows}, K, vocab]`);
  const result: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const k = keep - (columns - lastColumns[r]);
    if (k < 0) throw new Error(`logits keep ${keep} columns; row ${r} needs column ${lastColumns[r]} of ${columns}`);
    const start = (r * keep + k) * vocab;
    if (logits.type === "float16") result.push(float16ToFloat32((logits.data as Uint16Array).subarray(start, start + vocab)));
    else result.push((logits.data as Float32Array).subarray(start, start + vocab));
  }
  return result;
}
