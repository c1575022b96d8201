// `genq` — a command line for people with a folder of documents: submit a JSONL batch and watch
// it (progress bar on a TTY, plain lines otherwise), fetch its results, check or cancel it, and
// submit single jobs. A client of the HTTP API, not part of the service: it reads its own two
// settings, GENQ_URL (default http://127.0.0.1:8080) and GENQ_API_KEY, from process.env here.
import { parseArgs } from "node:util";
import { CliError, GenqClient, type Json } from "./genq-client.ts";
import { BatchProgress } from "./batch-progress.ts";

const USAGE = `usage:
  genq batch submit FILE.jsonl [--endpoint /v1/chat/completions|/v1/completions] [--priority 0-9]
                               [--wait] [--out results.jsonl] [--errors errors.jsonl]
  genq batch status BATCH_ID
  genq batch cancel BATCH_ID
  genq jobs submit PROMPT [--model NAME] [--max-tokens N] [--priority 0-9] [--temperature T] [--wait]
  genq jobs status JOB_ID
environment: GENQ_URL (default http://127.0.0.1:8080), GENQ_API_KEY`;

const TERMINAL_BATCH = new Set(["completed", "failed", "expired", "cancelled"]);
const POLL_MS = 1_000;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: "string", default: "/v1/chat/completions" },
      priority: { type: "string" },
      wait: { type: "boolean", default: false },
      out: { type: "string" },
      errors: { type: "string" },
      model: { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const client = new GenqClient({ url: (process.env.GENQ_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, ""), apiKey: process.env.GENQ_API_KEY || undefined });
  const need = (what: string) => {
    if (!arg) throw new CliError(`missing ${what}\n${USAGE}`);
    return arg;
  };
  const priority = values.priority === undefined ? {} : { priority: Number(values.priority) };

  if (group === "batch" && command === "submit") {
    const file = await client.uploadBatchFile(need("FILE.jsonl"));
    const batch = await client.request("POST", "/v1/batches", { input_file_id: file.id, endpoint: values.endpoint, completion_window: "24h", ...priority });
    process.stdout.write(`${batch.id}\n`);
    if (!values.wait) return 0;
    return await watch(client, batch.id, values.out, values.errors);
  }
  if (group === "batch" && command === "status") {
    printBatch(await client.request("GET", `/v1/batches/${encodeURIComponent(need("BATCH_ID"))}`));
    return 0;
  }
  if (group === "batch" && command === "cancel") {
    printBatch(await client.request("POST", `/v1/batches/${encodeURIComponent(need("BATCH_ID"))}/cancel`));
    return 0;
  }
  if (group === "jobs" && command === "submit") {
    const body: Json = { prompt: need("PROMPT"), ...priority };
    if (values.model) body.model = values.model;
    if (values["max-tokens"]) body.max_tokens = Number(values["max-tokens"]);
    if (values.temperature) body.temperature = Number(values.temperature);
    let job = await client.request("POST", "/v1/jobs", body);
    if (!values.wait) {
      process.stdout.write(`${job.id}\n`);
      return 0;
    }
    while (!["succeeded", "failed", "canceled", "expired"].includes(job.status)) job = await client.request("GET", `/v1/jobs/${job.id}?wait=30`);
    process.stdout.write(job.status === "succeeded" ? `${job.output.text}\n` : `${job.id} ${job.status}: ${job.error?.message ?? ""}\n`);
    return job.status === "succeeded" ? 0 : 1;
  }
  if (group === "jobs" && command === "status") {
    const job = await client.request("GET", `/v1/jobs/${encodeURIComponent(need("JOB_ID"))}`);
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return 0;
  }
  throw new CliError(`unknown command: ${positionals.join(" ")}\n${USAGE}`);
}

async function watch(client: GenqClient, id: string, out: string | undefined, errorsOut: string | undefined): Promise<number> {
  const progress = new BatchProgress(process.stderr);
  let batch: Json;
  for (;;) {
    batch = await client.request("GET", `/v1/batches/${id}`);
    progress.show(batch);
    if (TERMINAL_BATCH.has(batch.status)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  progress.end();
  if (batch.status === "failed") {
    for (const e of batch.errors?.data ?? []) process.stderr.write(`line ${e.line}: ${e.code}: ${e.message}\n`);
  }
  if (out && batch.output_file_id) await client.download(batch.output_file_id, out);
  const errorsPath = errorsOut ?? (out ? out.replace(/(\.jsonl)?$/, ".errors.jsonl") : undefined);
  if (errorsPath && batch.error_file_id) await client.download(batch.error_file_id, errorsPath);
  printBatch(batch);
  return batch.status === "completed" ? 0 : 1;
}

function printBatch(batch: Json): void {
  const c = batch.request_counts;
  const files = [batch.output_file_id && `output ${batch.output_file_id}`, batch.error_file_id && `errors ${batch.error_file_id}`].filter(Boolean).join(", ");
  process.stdout.write(`${batch.id} ${batch.status}: ${c.completed}/${c.total} completed, ${c.failed} failed${files ? `; ${files}` : ""}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`genq: ${error instanceof CliError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  },
);
