// Writes a finished batch's results as OpenAI does: the output file (one line per succeeded
// request: {id, custom_id, response: {status_code, request_id, body}, error: null}) and the error
// file (failed requests with their error response; lines that never ran because the batch was
// cancelled or expired, with error {code, message}). Walks the input file and the batch's lines
// (both in line order) side by side, streaming both files to disk; fixed file ids make a resumed
// finalization overwrite, not duplicate.
import type { BatchRow } from "../../shared/store/schema/batches.ts";
import type { JobRow } from "../../shared/store/schema/jobs.ts";
import type { Store } from "../../shared/store/store.ts";
import type { BlobWriter, FileBlobs } from "../../shared/files/file-blobs.ts";
import { errorFileIdOf, lineJobId, outputFileIdOf } from "../../shared/batches/batch-ids.ts";
import { completionBody } from "../../shared/openai/openai-completion.ts";
import { jobOutcomeError, openAiError } from "../../shared/openai/openai-error.ts";
import type { OpenAiEndpoint } from "../../shared/openai/openai-job-request.ts";
import { readInputLines } from "./batch-lines.ts";

const PAGE_LINES = 500;

export interface BatchResults {
  outputFileId: string | null;
  errorFileId: string | null;
  completed: number;
  failed: number;
}

/** Why a line that did not run never will: the batch's end. */
export type BatchEnding = "completed" | "cancelled" | "expired";

export async function writeBatchResults(store: Store, blobs: FileBlobs, batch: BatchRow, ending: BatchEnding, nowMs: number): Promise<BatchResults> {
  const endpoint = batch.endpoint as OpenAiEndpoint;
  const output = new ResultFile(await blobs.writer());
  const errors = new ResultFile(await blobs.writer());
  try {
    let page: JobRow[] = [];
    let at = 0;
    let after = "";
    for await (const line of readInputLines(blobs, batch.inputFileId)) {
      if (at >= page.length) {
        page = await store.batches.listLines(batch.id, after, PAGE_LINES);
        at = 0;
        if (page.length > 0) after = page[page.length - 1].id;
      }
      const id = lineJobId(batch.id, line.index);
      const row = page[at]?.id === id ? page[at++] : undefined;
      const customId = row?.customId ?? customIdOf(line.text);
      const requestId = `batch_req_${id.slice("job_".length)}`;
      if (row?.status === "succeeded") {
        await output.add({ id: requestId, custom_id: customId, response: { status_code: 200, request_id: row.id, body: completionBody(endpoint, row) }, error: null });
      } else if (row?.status === "failed") {
        const failure = openAiError(jobOutcomeError(row)!);
        await errors.add({ id: requestId, custom_id: customId, response: { status_code: failure.status, request_id: row.id, body: failure.body }, error: null });
      } else {
        await errors.add({ id: requestId, custom_id: customId, response: null, error: notRun(ending, row) });
      }
    }
    const file = async (writer: ResultFile, id: string, kind: string): Promise<string | null> => {
      if (writer.lines === 0) {
        await writer.blob.discard();
        return null;
      }
      await writer.blob.commit(id);
      await store.files.insert({
        id,
        tenantId: batch.tenantId,
        purpose: "batch_output",
        filename: `${batch.id}_${kind}.jsonl`,
        bytes: writer.bytes,
        lineCount: writer.lines,
        createdAt: nowMs,
      });
      return id;
    };
    const outputFileId = await file(output, outputFileIdOf(batch.id), "output");
    const errorFileId = await file(errors, errorFileIdOf(batch.id), "error");
    return { outputFileId, errorFileId, completed: output.lines, failed: errors.lines };
  } catch (error) {
    await output.blob.discard();
    await errors.blob.discard();
    throw error;
  }
}

function notRun(ending: BatchEnding, row: JobRow | undefined): { code: string; message: string } {
  if (ending === "expired" || row?.errorCode === "QUEUE_TIMEOUT") {
    return { code: "batch_expired", message: "the batch's completion window ended before this request ran" };
  }
  if (ending === "cancelled") return { code: "batch_cancelled", message: "the batch was cancelled before this request finished" };
  return { code: "request_not_run", message: row ? `the request ended ${row.status}` : "the request could not be enqueued" };
}

function customIdOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as { custom_id?: unknown };
    return typeof value.custom_id === "string" ? value.custom_id : null;
  } catch {
    return null;
  }
}

class ResultFile {
  lines = 0;
  bytes = 0;

  constructor(readonly blob: BlobWriter) {}

  async add(record: unknown): Promise<void> {
    const chunk = Buffer.from(`${JSON.stringify(record)}\n`);
    this.lines++;
    this.bytes += chunk.length;
    await this.blob.write(chunk);
  }
}
