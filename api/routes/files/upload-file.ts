// POST /v1/files — multipart upload (`purpose=batch`, `file`), streamed to disk as it arrives,
// never held whole in memory; over GENQ_FILE_MAX_BYTES or GENQ_FILE_MAX_LINES it is refused with
// 413 (at once when Content-Length already says so) and nothing is kept.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { newUlid } from "../../../shared/ids.ts";
import { toFileObject } from "./file-object.ts";
import { boundaryOf, readUpload } from "./multipart-upload.ts";

/** Room for the form's other fields and part headers beyond the file's own bytes. */
const FORM_OVERHEAD_BYTES = 65_536;

export function uploadFileHandler(deps: AppDeps) {
  const { fileMaxBytes, fileMaxLines } = deps.batchConfig;
  return async (c: Context<AppEnv>) => {
    const boundary = boundaryOf(c.req.header("content-type"));
    const declared = Number(c.req.header("content-length") ?? NaN);
    if (declared > fileMaxBytes + FORM_OVERHEAD_BYTES) {
      throw new GenqError("PAYLOAD_TOO_LARGE", `the upload is larger than ${fileMaxBytes} bytes`);
    }
    const body = c.req.raw.body;
    if (!body) throw new GenqError("VALIDATION_FAILED", "the form has no `file`");
    const writer = await deps.fileBlobs.writer();
    try {
      const form = await readUpload(body, boundary, { maxBytes: fileMaxBytes, maxLines: fileMaxLines }, (chunk) => writer.write(chunk));
      if (form.fields.purpose !== "batch") throw new GenqError("VALIDATION_FAILED", '`purpose` must be "batch"');
      if (form.filename === undefined) throw new GenqError("VALIDATION_FAILED", "the form has no `file`");
      if (form.bytes === 0) throw new GenqError("VALIDATION_FAILED", "the file is empty");
      const id = `file-${newUlid(deps.now())}`;
      await writer.commit(id);
      const row = await deps.store.files.insert({
        id,
        tenantId: c.get("tenantId"),
        purpose: "batch",
        filename: form.filename,
        bytes: form.bytes,
        lineCount: form.lines,
        createdAt: deps.now(),
      });
      return c.json(toFileObject(row), 200);
    } catch (error) {
      await writer.discard();
      throw error;
    }
  };
}
