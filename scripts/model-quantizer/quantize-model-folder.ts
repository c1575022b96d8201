// Quantizes the fp32 decoder of a Hugging Face / transformers.js model folder into the file that
// transformers.js (and genq's GENQ_DTYPE) reads for the dtype: q8 → onnx/model_quantized.onnx,
// q4 → onnx/model_q4.onnx (or decoder_model_merged_*.onnx beside a merged decoder).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readOnnxModel, writeOnnxModel } from "./onnx-model-file.ts";
import { quantizeMatMuls, type QuantizeReport } from "./quantize-matmuls.ts";

export type QuantizedDtype = "q8" | "q4";

const SUFFIX: Record<QuantizedDtype, string> = { q8: "_quantized", q4: "_q4" };
/** Outputs whose weights exceed this are written with external data (as the builder does). */
const EXTERNAL_DATA_AUTO_BYTES = 32 * 1024 * 1024;
const EXTERNAL_MIN_TENSOR_BYTES = 1024;

export interface FolderQuantizeReport extends QuantizeReport {
  source: string;
  output: string;
}

export async function quantizeModelFolder(
  folder: string,
  dtype: QuantizedDtype,
  options: { blockSize?: number; accuracyLevel?: number } = {},
): Promise<FolderQuantizeReport> {
  const base = ["model", "decoder_model_merged"].find((b) => existsSync(join(folder, "onnx", `${b}.onnx`)));
  if (!base) throw new Error(`no fp32 decoder in ${folder}: expected onnx/model.onnx or onnx/decoder_model_merged.onnx`);
  const source = join(folder, "onnx", `${base}.onnx`);
  const output = join(folder, "onnx", `${base}${SUFFIX[dtype]}.onnx`);
  const model = await readOnnxModel(source);
  const report = quantizeMatMuls(model, { bits: dtype === "q8" ? 8 : 4, ...options });
  if (report.matmuls === 0) throw new Error(`${source}: no MatMul with a float32 [K, N] initializer weight to quantize`);
  const weightBytes = (model.graph?.initializer ?? []).reduce((n, t) => n + (t.rawData?.byteLength ?? 0), 0);
  const external = weightBytes > EXTERNAL_DATA_AUTO_BYTES || existsSync(`${source}_data`) || existsSync(`${source}.data`);
  await writeOnnxModel(model, output, external ? { externalMinBytes: EXTERNAL_MIN_TENSOR_BYTES } : {});
  return { ...report, source, output };
}

export function fileMegabytes(path: string): string {
  const bytes = statSync(path).size + (existsSync(`${path}_data`) ? statSync(`${path}_data`).size : 0);
  return (bytes / 1e6).toFixed(1);
}
