// The graph interface of a causal-LM ONNX file, read from the session's metadata and its op types,
// cross-checked against config.json: input names and dtypes, the attention style (how it must be
// fed), KV cache dtype and shape [B, kvHeads, past, headDim]; caches genq cannot feed are refused.
import type * as ort from "onnxruntime-node";

export type KvDtype = "float32" | "float16";

/**
 * Where a row's tokens sit in the cache: "end" = right aligned (left padded), for graphs that read
 * an external attention_mask; "start" = from column 0 (right padded), for GroupQueryAttention, which
 * only knows per-row lengths (seqlens_k = mask sum - 1).
 */
export type KvAlign = "end" | "start";

export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  dtype: KvDtype;
  /** Default "end". */
  align?: KvAlign;
}

/**
 * How the graph attends: "external-mask" (plain ops, any mask), "gqa" (GroupQueryAttention: rows from
 * column 0, per-row lengths from the mask sum, multi-token input on a cache only for one row),
 * "in-graph-mask" (MultiHeadAttention with a mask the graph builds: no multi-token input on a cache).
 */
export type AttentionStyle = "external-mask" | "gqa" | "in-graph-mask";

export type IndexDtype = "int64" | "int32";

export interface ModelSignature {
  kv: KvShape;
  /** Graph input names of the cache, in feed order: [past.0.key, past.0.value, past.1.key, ...]. */
  pastNames: string[];
  /** Graph output names matching pastNames one to one: [present.0.key, present.0.value, ...]. */
  presentNames: string[];
  hasPositionIds: boolean;
  /** The graph takes `num_logits_to_keep` (int64 scalar); otherwise logits cover every input position. */
  hasLogitsToKeep: boolean;
  logitsDtype: "float32" | "float16";
  attention: AttentionStyle;
  /** Dtypes the graph declares for input_ids, attention_mask and position_ids. */
  inputIdsDtype: IndexDtype;
  attentionMaskDtype: IndexDtype;
  positionIdsDtype: IndexDtype;
  /** Xenova's merged decoder: bool [1] `use_cache_branch` = whether the past has columns. */
  hasUseCacheBranch: boolean;
}

export class ModelSignatureError extends Error {
  override name = "ModelSignatureError";
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids", "num_logits_to_keep", "use_cache_branch"]);

/** Cache signatures genq recognizes but cannot feed: one line each, naming what is unsupported. */
const UNSUPPORTED_CACHES: Array<{ test: RegExp; what: string }> = [
  {
    test: /^past_\d+$|^past_key_values\.\d+$|^past_key_values$/,
    what: "a fused KV cache (key and value in one tensor, e.g. past_0 [2, batch, heads, past, head_dim]); genq needs separate past_key_values.N.key / .value inputs",
  },
  {
    test: /^past_conv|^past_ssm|conv_state|ssm_state|^cache_params/,
    what: "a hybrid cache (convolution / state-space states beside the attention cache, e.g. past_conv.N); genq supports attention-only KV caches",
  },
  {
    test: /^block_tables?$|^slot_mapping$|^key_cache|^value_cache|^kv_cache/,
    what: "a paged KV cache (block tables / slot mapping); genq keeps one contiguous cache per batch",
  },
];

function indexDtype(meta: ort.InferenceSession.ValueMetadata | undefined, name: string): IndexDtype {
  if (!meta || !meta.isTensor) return "int64";
  if (meta.type === "int64" || meta.type === "int32") return meta.type;
  throw new ModelSignatureError(`input ${name} is ${meta.type}; genq feeds int64 or int32`);
}

function tensorMeta(list: readonly ort.InferenceSession.ValueMetadata[], name: string) {
  const meta = list.find((m) => m.name === name);
  if (!meta) return undefined;
  if (!meta.isTensor) throw new ModelSignatureError(`graph value ${name} is not a tensor`);
  return meta;
}

function configNumber(config: Record<string, unknown>, key: string): number | undefined {
  const value = config[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A KV dim from the graph when static, else from config; both present must agree. */
function resolveDim(graphDim: number | string | undefined, configDim: number | undefined, what: string): number {
  const fromGraph = typeof graphDim === "number" ? graphDim : undefined;
  if (fromGraph !== undefined && configDim !== undefined && fromGraph !== configDim) {
    throw new ModelSignatureError(`${what}: graph says ${fromGraph}, config.json says ${configDim}`);
  }
  const value = fromGraph ?? configDim;
  if (value === undefined) throw new ModelSignatureError(`${what}: not in the graph's KV shape nor in config.json`);
  return value;
}

/**
 * `opTypes`: the graph's op types (subgraphs included), which tell the attention style; the graph's
 * inputs and outputs come from the session.
 */
export function readModelSignature(
  session: Pick<ort.InferenceSession, "inputMetadata" | "outputMetadata">,
  config: Record<string, unknown>,
  opTypes: ReadonlySet<string> = new Set(),
): ModelSignature {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  for (const { name } of inputs) {
    const unsupported = UNSUPPORTED_CACHES.find((c) => c.test.test(name));
    if (unsupported) throw new ModelSignatureError(`input ${name}: ${unsupported.what}`);
  }
  for (const required of ["input_ids", "attention_mask"]) {
    if (!tensorMeta(inputs, required)) throw new ModelSignatureError(`graph has no ${required} input`);
  }
  const logits = tensorMeta(outputs, "logits");
  if (!logits) throw new ModelSignatureError("graph has no logits output");
  if (logits.type !== "float32" && logits.type !== "float16") {
    throw new ModelSignatureError(`logits dtype ${logits.type} is not supported (float32 or float16)`);
  }

  const pastNames: string[] = [];
  const presentNames: string[] = [];
  for (let layer = 0; tensorMeta(inputs, `past_key_values.${layer}.key`); layer++) {
    for (const part of ["key", "value"]) {
      const past = `past_key_values.${layer}.${part}`;
      const present = `present.${layer}.${part}`;
      if (!tensorMeta(inputs, past)) throw new ModelSignatureError(`graph has no ${past} input`);
      if (!tensorMeta(outputs, present)) throw new ModelSignatureError(`graph has no ${present} output`);
      pastNames.push(past);
      presentNames.push(present);
    }
  }
  const layers = pastNames.length / 2;
  if (layers === 0) throw new ModelSignatureError("graph has no past_key_values.* inputs (a KV-cache export is required)");

  const unknown = inputs.map((m) => m.name).filter((n) => !KNOWN_INPUTS.has(n) && !n.startsWith("past_key_values."));
  if (unknown.length > 0) throw new ModelSignatureError(`graph has inputs genq cannot feed: ${unknown.join(", ")}`);

  const pastMeta = tensorMeta(inputs, pastNames[0])!;
  if (pastMeta.type !== "float32" && pastMeta.type !== "float16") {
    throw new ModelSignatureError(`KV cache dtype ${pastMeta.type} is not supported (float32 or float16)`);
  }
  const configLayers = configNumber(config, "num_hidden_layers");
  if (configLayers !== undefined && configLayers !== layers) {
    throw new ModelSignatureError(`graph has ${layers} KV layers, config.json num_hidden_layers is ${configLayers}`);
  }
  const attentionHeads = configNumber(config, "num_attention_heads");
  const hidden = configNumber(config, "hidden_size");
  const configKvHeads = configNumber(config, "num_key_value_heads") ?? attentionHeads;
  const configHeadDim =
    configNumber(config, "head_dim") ?? (hidden !== undefined && attentionHeads ? hidden / attentionHeads : undefined);
  const shape = pastMeta.shape;
  if (shape.length !== 0 && shape.length !== 4) {
    throw new ModelSignatureError(`${pastNames[0]} has rank ${shape.length}; expected [batch, kvHeads, past, headDim]`);
  }

  const attention: AttentionStyle = opTypes.has("GroupQueryAttention")
    ? "gqa"
    : opTypes.has("MultiHeadAttention")
      ? "in-graph-mask"
      : "external-mask";
  // Exports that repeat KV heads before MultiHeadAttention cache num_attention_heads heads.
  const repeatedHeads = typeof shape[1] === "number" && shape[1] === attentionHeads && attention === "in-graph-mask";
  return {
    kv: {
      layers,
      kvHeads: resolveDim(shape[1], repeatedHeads ? attentionHeads : configKvHeads, "KV heads"),
      headDim: resolveDim(shape[3], configHeadDim, "head dim"),
      dtype: pastMeta.type,
      align: attention === "gqa" ? "start" : "end",
    },
    pastNames,
    presentNames,
    hasPositionIds: tensorMeta(inputs, "position_ids") !== undefined,
    hasLogitsToKeep: tensorMeta(inputs, "num_logits_to_keep") !== undefined,
    logitsDtype: logits.type,
    attention,
    inputIdsDtype: indexDtype(tensorMeta(inputs, "input_ids"), "input_ids"),
    attentionMaskDtype: indexDtype(tensorMeta(inputs, "attention_mask"), "attention_mask"),
    positionIdsDtype: indexDtype(tensorMeta(inputs, "position_ids"), "position_ids"),
    hasUseCacheBranch: tensorMeta(inputs, "use_cache_branch") !== undefined,
  };
}
