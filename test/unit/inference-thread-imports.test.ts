// The inference thread's static import graph (what esbuild bundles from its entry) holds none of the
// packages that only the API or a rare request needs: each adds heap that every full garbage
// collection of the per-step KV buffers pays for (zod ≈3.2 MB, onnx-proto ≈1.1 MB, jinja and
// tokenizers ≈0.8 MB; the tokenizer is required on first use, see ModelCardOptions.lazyTokenizer).
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect, it } from "vitest";

const ENTRY = fileURLToPath(new URL("../../worker/thread/inference-thread.ts", import.meta.url));
const KEPT_OUT = ["zod", "onnx-proto", "protobufjs", "@huggingface/jinja", "@huggingface/tokenizers"];

it("keeps zod, onnx-proto and the tokenizer packages out of the inference thread's static imports", async () => {
  const { metafile } = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["onnxruntime-node"],
  });
  const packages = new Set(
    Object.keys(metafile.inputs)
      .map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
      .filter((name) => name !== undefined),
  );
  expect(KEPT_OUT.filter((name) => packages.has(name))).toEqual([]);
  // The graph was really walked: the thread's own modules are in it.
  expect(Object.keys(metafile.inputs).some((input) => input.endsWith("worker/engine/inference-engine.ts"))).toBe(true);
});
