// The OpenAI Files & Batches routes' entries of the route catalog (route-catalog.ts says how to
// add one): api/routes/files and api/routes/batches, answered and failing in OpenAI's shapes.
import { createBatchRequest } from "../routes/batches/create-batch.ts";
import { listBatchesQuery } from "../routes/batches/batches-routes.ts";
import { listFilesQuery } from "../routes/files/files-routes.ts";
import type { RouteDoc } from "./route-doc.ts";

const fileId = { id: { description: "the file's id (`file-…`)", schema: { type: "string" } } };
const batchId = { id: { description: "the batch's id (`batch_…`)", schema: { type: "string" } } };

export function filesBatchesRouteCatalog(): RouteDoc[] {
  return [
    {
      method: "post", path: "/v1/files", operationId: "uploadFile", tag: "files", auth: "api_key",
      summary: "Upload a batch input file (JSONL), streamed to disk as it arrives",
      description: "OpenAI's multipart upload: `purpose=batch` and the `file` part. Over GENQ_FILE_MAX_BYTES or GENQ_FILE_MAX_LINES it is refused (413; at once when Content-Length already says so) and nothing is kept.",
      form: {
        description: "multipart/form-data with the fields `purpose` and `file`",
        schema: {
          type: "object",
          required: ["purpose", "file"],
          properties: {
            purpose: { const: "batch", description: "the only purpose accepted for uploads" },
            file: { type: "string", contentMediaType: "application/octet-stream", description: "the JSONL file: one request per line (`custom_id`, `method`, `url`, `body`); not empty" },
          },
        },
        encoding: { file: { contentType: "application/jsonl, application/octet-stream" } },
      },
      responses: { 200: { description: "the stored file", schema: { ref: "OpenAiFile" } } },
      errors: ["VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"],
    },
    {
      method: "get", path: "/v1/files", operationId: "listFiles", tag: "files", auth: "api_key",
      summary: "The caller's files, newest first (cursor `after`)",
      query: listFilesQuery,
      responses: { 200: { description: "a page of files", schema: { ref: "OpenAiFileList" } } },
      errors: [],
    },
    {
      method: "get", path: "/v1/files/:id", operationId: "getFile", tag: "files", auth: "api_key",
      summary: "One file's object",
      pathParams: fileId,
      responses: { 200: { description: "the file", schema: { ref: "OpenAiFile" } } },
      errors: ["FILE_NOT_FOUND"],
    },
    {
      method: "get", path: "/v1/files/:id/content", operationId: "getFileContent", tag: "files", auth: "api_key",
      summary: "The file's bytes (a batch's results: its output or error file)",
      pathParams: fileId,
      responses: { 200: { description: "the content, streamed", contentType: "application/octet-stream", headers: { "Content-Length": "the file's size in bytes" } } },
      errors: ["FILE_NOT_FOUND"],
    },
    {
      method: "delete", path: "/v1/files/:id", operationId: "deleteFile", tag: "files", auth: "api_key",
      summary: "Delete a file (not while an unfinished batch reads it)",
      pathParams: fileId,
      responses: { 200: { description: "deleted", schema: { ref: "OpenAiFileDeleted" } } },
      errors: ["FILE_NOT_FOUND", "FILE_IN_USE"],
    },
    {
      method: "post", path: "/v1/batches", operationId: "createBatch", tag: "batches", auth: "api_key",
      summary: "Run an uploaded file's requests as a batch of jobs",
      description: "OpenAI's create-batch body plus genq's `priority` (default 8: interactive work overtakes batch lines) and `webhook` (batch.* events). Answers at once with the batch `validating`; the batch runner validates and enqueues the lines.",
      body: createBatchRequest,
      responses: { 200: { description: "the batch, validating", schema: { ref: "OpenAiBatch" } } },
      errors: ["FILE_NOT_FOUND", "WEBHOOK_URL_REJECTED"],
    },
    {
      method: "get", path: "/v1/batches", operationId: "listBatches", tag: "batches", auth: "api_key",
      summary: "The caller's batches, newest first (cursor `after`)",
      query: listBatchesQuery,
      responses: { 200: { description: "a page of batches", schema: { ref: "OpenAiBatchList" } } },
      errors: [],
    },
    {
      method: "get", path: "/v1/batches/:id", operationId: "getBatch", tag: "batches", auth: "api_key",
      summary: "One batch: status, request counts, result file ids",
      pathParams: batchId,
      responses: { 200: { description: "the batch", schema: { ref: "OpenAiBatch" } } },
      errors: ["BATCH_NOT_FOUND"],
    },
    {
      method: "post", path: "/v1/batches/:id/cancel", operationId: "cancelBatch", tag: "batches", auth: "api_key",
      summary: "Cancel a batch: queued lines at once, running ones at their next token",
      pathParams: batchId,
      responses: { 200: { description: "the batch, cancelling (or already cancelling / cancelled)", schema: { ref: "OpenAiBatch" } } },
      errors: ["BATCH_NOT_FOUND", "BATCH_NOT_CANCELABLE"],
    },
  ];
}
