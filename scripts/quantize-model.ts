// CLI: block-wise symmetric weight quantization (MatMulNBits, per-block scales) of any fp32 export in
// the HF layout. Usage: tsx scripts/quantize-model.ts --in FOLDER --dtype q8|q4 [--block-size 32] [--accuracy-level 0]
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileMegabytes, quantizeModelFolder } from "./model-quantizer/quantize-model-folder.ts";

const USAGE = "usage: npm run model:quantize -- --in FOLDER --dtype q8|q4 [--block-size 32] [--accuracy-level 0]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      in: { type: "string" },
      dtype: { type: "string" },
      "block-size": { type: "string", default: "32" },
      "accuracy-level": { type: "string", default: "0" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.in || (values.dtype !== "q8" && values.dtype !== "q4")) {
    console.error(`--in and --dtype q8|q4 are required\n${USAGE}`);
    process.exit(2);
  }
  const blockSize = Number(values["block-size"]);
  const accuracyLevel = Number(values["accuracy-level"]);
  const started = performance.now();
  const report = await quantizeModelFolder(resolve(values.in), values.dtype, { blockSize, accuracyLevel });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${report.output}: ${report.matmuls} MatMul → MatMulNBits (${report.weights} weights, ${values.dtype}, block ${blockSize}) ` +
      `in ${seconds} s; ${fileMegabytes(report.source)} MB → ${fileMegabytes(report.output)} MB`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
