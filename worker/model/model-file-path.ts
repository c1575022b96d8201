// Which ONNX file of a Hugging Face / transformers.js model folder holds the requested dtype.
// External weights (`*.onnx_data`) sit beside it and are found by ORT when loading from a path.
import { existsSync } from "node:fs";
import { join } from "node:path";

export type ModelDtype = "fp32" | "fp16" | "q8" | "q4";

const FILE_BY_DTYPE: Record<ModelDtype, string> = {
  fp32: "model.onnx",
  fp16: "model_fp16.onnx",
  q8: "model_quantized.onnx",
  q4: "model_q4.onnx",
};

export class ModelFileError extends Error {
  override name = "ModelFileError";
}

/** Absolute-or-relative path of `<folder>/onnx/<file for dtype>`; throws naming the missing file. */
export function modelFilePath(folder: string, dtype: ModelDtype): string {
  const file = FILE_BY_DTYPE[dtype];
  if (!file) throw new ModelFileError(`unknown model dtype "${dtype}" (expected fp32, fp16, q8 or q4)`);
  const path = join(folder, "onnx", file);
  if (!existsSync(path)) {
    throw new ModelFileError(`model file for dtype ${dtype} not found: ${path} (the folder needs onnx/${file})`);
  }
  return path;
}
