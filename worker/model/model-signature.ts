// The graph interface of a causal-LM ONNX file, read from the session's metadata and cross-checked
// against config.json: which optional inputs exist, KV cache dtype and shape [B, kvHeads, past, headDim].
import type * as ort from "onnxruntime-node";

export type KvDtype = "float32" | "float16";

export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  dtype: KvDtype;
}

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
}

export class ModelSignatureError extends Error {
  override name = "ModelSignatureError";
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids", "num_logits_to_keep"]);

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

export function readModelSignature(
  session: Pick<ort.InferenceSession, "inputMetadata" | "outputMetadata">,
  config: Record<string, unknown>,
): ModelSignature {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
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

  return {
    kv: {
      layers,
      kvHeads: resolveDim(shape[1], configKvHeads, "KV heads"),
      headDim: resolveDim(shape[3], configHeadDim, "head dim"),
      dtype: pastMeta.type,
    },
    pastNames,
    presentNames,
    hasPositionIds: tensorMeta(inputs, "position_ids") !== undefined,
    hasLogitsToKeep: tensorMeta(inputs, "num_logits_to_keep") !== undefined,
    logitsDtype: logits.type,
  };
}
