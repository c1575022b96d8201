// (d) transformers.js, the peer a user would pick: AutoTokenizer + AutoModelForCausalLM.generate on the
// same folder with the same ORT session options, one request at a time or statically batched (left padding).
import { AutoModelForCausalLM, AutoTokenizer, BaseStreamer, env, type Tensor, type TextStreamer } from "@huggingface/transformers";
import { basename, dirname } from "node:path";
import { sessionOptionsFor } from "../../worker/model/create-inference-session.ts";
import type { ModelDtype } from "../../worker/model/model-file-path.ts";
import type { BenchRequest, BenchSystem, RequestTiming, WaveResult } from "./bench-types.ts";

export type TransformersJsMode = "sequential" | "batched";

/** Records when generate() hands out its first new tokens (its first put() is the prompt). */
class FirstTokenStreamer extends BaseStreamer {
  private puts = 0;
  firstTokenAtMs = NaN;
  override put(): void {
    if (++this.puts === 2) this.firstTokenAtMs = performance.now();
  }
  override end(): void {}
}

export async function startTransformersJsSystem(
  folder: string,
  mode: TransformersJsMode,
  dtype: ModelDtype = "fp32",
  intraOpThreads?: number,
): Promise<BenchSystem> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder);
  const name = basename(folder);
  const tokenizer = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
  tokenizer.padding_side = "left";
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    local_files_only: true,
    dtype,
    device: "cpu",
    // The options genq's sessions get, minus the provider list (transformers.js sets that from `device`).
    session_options: { ...sessionOptionsFor({ device: "cpu", intraOpThreads }), executionProviders: undefined },
  });

  /** One generate() call over `batch` (left padded); every request in it completes when it returns. */
  async function generate(batch: BenchRequest[], tokens: number, startMs: number): Promise<RequestTiming[]> {
    const inputs = tokenizer(batch.map((r) => r.text), { padding: true });
    checkSameIds(inputs.input_ids as Tensor, inputs.attention_mask as Tensor, batch);
    const streamer = new FirstTokenStreamer();
    const output = (await model.generate({
      ...inputs,
      max_new_tokens: tokens,
      min_new_tokens: tokens, // = ignore_eos: EOS is masked until the length is reached
      do_sample: false,
      // generate() is typed for TextStreamer but only calls put() and end(), which BaseStreamer declares.
      streamer: streamer as unknown as TextStreamer,
    })) as Tensor;
    const width = (inputs.input_ids as Tensor).dims[1];
    const generated = output.slice(null, [width, output.dims[1]]);
    const texts = tokenizer.batch_decode(generated, { skip_special_tokens: true });
    const doneMs = performance.now();
    return texts.map((text) => ({
      ttftMs: streamer.firstTokenAtMs - startMs,
      latencyMs: doneMs - startMs,
      tokens: generated.dims[1],
      text,
    }));
  }

  return {
    id: mode === "sequential" ? "tjs-seq" : "tjs-batch",
    label: `(d) transformers.js generate, ${mode === "sequential" ? "one at a time" : "static batch (left pad)"}`,
    async runWave(requests: BenchRequest[], tokens: number): Promise<WaveResult> {
      const startMs = performance.now();
      const timings: RequestTiming[] = [];
      if (mode === "batched") timings.push(...(await generate(requests, tokens, startMs)));
      else for (const request of requests) timings.push(...(await generate([request], tokens, startMs)));
      return { wallMs: performance.now() - startMs, requests: timings };
    },
    async close() {
      await model.dispose();
    },
  };
}

/** transformers.js tokenizes the text itself; the benchmark is only fair if it got genq's ids. */
function checkSameIds(inputIds: Tensor, mask: Tensor, batch: BenchRequest[]): void {
  const [rows, width] = inputIds.dims;
  const ids = inputIds.data as BigInt64Array;
  const real = mask.data as BigInt64Array;
  for (let r = 0; r < rows; r++) {
    const got: number[] = [];
    for (let c = 0; c < width; c++) if (real[r * width + c] === 1n) got.push(Number(ids[r * width + c]));
    if (got.join(",") !== batch[r].promptIds.join(",")) {
      throw new Error(`transformers.js tokenized prompt ${batch[r].index} differently from genq`);
    }
  }
}
