// CLI: generate a Llama-architecture model folder (HF / transformers.js ONNX layout) from a seed.
// Usage: tsx scripts/build-model.ts --preset tiny|bench --out DIR [--seed N] [--dtypes fp32,fp16,q8,q4]
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { llamaParameterCount, llamaPreset, type ModelPreset } from "./model-builder/llama-config.ts";
import {
  buildModelFolder,
  ONNX_FILE_NAMES,
  type AttentionLayout,
  type ModelDtype,
} from "./model-builder/write-model-folder.ts";

const USAGE =
  "usage: tsx scripts/build-model.ts --preset tiny|bench --out DIR [--seed N] [--dtypes fp32,fp16,q8,q4]\n" +
  "         [--no-position-ids] [--no-logits-to-keep] [--external-data]\n" +
  "         [--attention external-mask|gqa|mha] [--int32-inputs] [--merged-decoder]";

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function folderBytes(dir: string): Array<[string, number]> {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((rel): [string, ReturnType<typeof statSync>] => [rel, statSync(join(dir, rel))])
    .filter(([, stats]) => stats?.isFile())
    .map(([rel, stats]): [string, number] => [rel, Number(stats?.size)])
    .sort(([a], [b]) => a.localeCompare(b));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: "string", default: "tiny" },
      out: { type: "string" },
      seed: { type: "string", default: "1" },
      dtypes: { type: "string", default: "fp32" },
      "no-position-ids": { type: "boolean", default: false },
      "no-logits-to-keep": { type: "boolean", default: false },
      "external-data": { type: "boolean" },
      attention: { type: "string", default: "external-mask" },
      "int32-inputs": { type: "boolean", default: false },
      "merged-decoder": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) fail("--out is required");
  if (values.preset !== "tiny" && values.preset !== "bench") fail(`unknown --preset ${values.preset}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${values.seed}`);
  const dtypes = values.dtypes.split(",").map((d) => d.trim()) as ModelDtype[];
  for (const dtype of dtypes) if (!(dtype in ONNX_FILE_NAMES)) fail(`unknown dtype ${dtype} (fp32, fp16, q8, q4)`);
  const attention = values.attention as AttentionLayout;
  if (!["external-mask", "gqa", "mha"].includes(attention)) fail(`unknown --attention ${values.attention}`);

  const preset = values.preset as ModelPreset;
  const outDir = resolve(values.out);
  const started = performance.now();
  await buildModelFolder({
    preset,
    outDir,
    seed,
    dtypes,
    positionIds: !values["no-position-ids"],
    logitsToKeepInput: !values["no-logits-to-keep"],
    externalData: values["external-data"],
    attention,
    inputIdsDtype: values["int32-inputs"] ? "int32" : "int64",
    mergedDecoder: values["merged-decoder"],
  });
  const seconds = (performance.now() - started) / 1000;
  const params = llamaParameterCount(llamaPreset(preset));
  console.log(`built ${preset} (seed ${seed}, ${(params / 1e6).toFixed(2)}M parameters) in ${seconds.toFixed(1)} s → ${outDir}`);
  for (const [file, bytes] of folderBytes(outDir)) console.log(`  ${file.padEnd(32)} ${(bytes / 1e6).toFixed(3).padStart(10)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
