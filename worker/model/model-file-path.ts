// Which ONNX file of a Hugging Face / transformers.js model folder holds the requested dtype: the
// transformers.js file-name suffixes, on `model` or on Xenova's `decoder_model_merged`. External
// weights (`*.onnx_data`) sit beside it and are found by ORT when loading from a path.
import { existsSync } from "node:fs";
import { join } from "node:path";

/** transformers.js dtype → file-name suffix (DEFAULT_DTYPE_SUFFIX_MAPPING in @huggingface/transformers). */
const SUFFIX_BY_DTYPE = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
} as const;

export type ModelDtype = keyof typeof SUFFIX_BY_DTYPE;
export const MODEL_DTYPES = Object.keys(SUFFIX_BY_DTYPE) as ModelDtype[];

/** Base names tried in order: optimum / onnx-community single decoders, then Xenova merged decoders. */
const BASE_NAMES = ["model", "decoder_model_merged"] as const;

export class ModelFileError extends Error {
  override name = "ModelFileError";
}

/** Path of `<folder>/onnx/<base><suffix>.onnx` for the dtype; throws naming the files looked for. */
export function modelFilePath(folder: string, dtype: ModelDtype): string {
  const suffix: string | undefined = SUFFIX_BY_DTYPE[dtype];
  if (suffix === undefined) throw new ModelFileError(`unknown model dtype "${dtype}" (expected ${MODEL_DTYPES.join(", ")})`);
  const candidates = BASE_NAMES.map((base) => join(folder, "onnx", `${base}${suffix}.onnx`));
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new ModelFileError(
      `model file for dtype ${dtype} not found: ${candidates[0]} (the folder needs onnx/${BASE_NAMES[0]}${suffix}.onnx ` +
        `or onnx/${BASE_NAMES[1]}${suffix}.onnx)`,
    );
  }
  return found;
}
