// A streaming multipart/form-data reader for uploads: text fields are collected (small), the one
// file part is handed to a sink chunk by chunk as it arrives, so a 200 MB upload never sits in
// memory. Stops reading (and throws) the moment the file passes its byte or line limit.
import { GenqError } from "../../../shared/errors.ts";

export interface UploadLimits {
  maxBytes: number;
  maxLines: number;
}

export interface UploadedForm {
  fields: Record<string, string>;
  /** The file part's filename, or undefined when the form had no file. */
  filename?: string;
  bytes: number;
  /** Newline-terminated lines, plus an unterminated last one. */
  lines: number;
}

const MAX_HEADER_BYTES = 16_384;
const MAX_FIELD_BYTES = 4_096;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;.*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? "");
  if (!match) throw new GenqError("UNSUPPORTED_MEDIA_TYPE", "send the file as multipart/form-data (fields `file` and `purpose`)");
  return match[1] ?? match[2];
}

/** Reads the whole form from `body`, streaming the `file` part into `sink`. */
export async function readUpload(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  limits: UploadLimits,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<UploadedForm> {
  const reader = body.getReader();
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // A leading CRLF lets the first boundary match the same delimiter as the others.
  let buf: Buffer = Buffer.from(CRLF);
  let done = false;
  const form: UploadedForm = { fields: {}, bytes: 0, lines: 0 };
  let lastByte = 10;

  const more = async (): Promise<boolean> => {
    if (done) return false;
    const next = await reader.read();
    if (next.done) {
      done = true;
      return false;
    }
    buf = buf.length === 0 ? Buffer.from(next.value) : Buffer.concat([buf, next.value]);
    return true;
  };
  const fail = async (error: GenqError): Promise<never> => {
    await reader.cancel().catch(() => {});
    throw error;
  };
  const malformed = () => fail(new GenqError("VALIDATION_FAILED", "malformed multipart/form-data body"));

  // Preamble up to the first delimiter.
  let at: number;
  while ((at = buf.indexOf(delimiter)) < 0) {
    if (buf.length > MAX_HEADER_BYTES) await malformed();
    if (!(await more())) await malformed();
  }
  buf = buf.subarray(at + delimiter.length);
  for (;;) {
    while (buf.length < 2) if (!(await more())) await malformed();
    if (buf[0] === 0x2d && buf[1] === 0x2d) break; // "--": the closing delimiter
    let end: number;
    while ((end = buf.indexOf(HEADER_END)) < 0) {
      if (buf.length > MAX_HEADER_BYTES) await malformed();
      if (!(await more())) await malformed();
    }
    const headers = buf.subarray(2, end).toString("utf8");
    buf = buf.subarray(end + HEADER_END.length);
    const disposition = /content-disposition:\s*form-data\s*;([^\r\n]*)/i.exec(headers)?.[1] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) await malformed();
    const isFile = name === "file" && filename !== undefined;
    if (isFile) form.filename = filename.slice(0, 255) || "upload.jsonl";
    let field = Buffer.alloc(0);
    // The part's body: everything before the next delimiter; keep a tail that may start one.
    for (;;) {
      const hit = buf.indexOf(delimiter);
      const take = hit >= 0 ? hit : Math.max(0, buf.length - delimiter.length + 1);
      if (take > 0) {
        const chunk = buf.subarray(0, take);
        buf = buf.subarray(take);
        if (isFile) {
          form.bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) form.lines++;
          lastByte = chunk[chunk.length - 1];
          if (form.bytes > limits.maxBytes) await fail(tooLarge(`the file is larger than ${limits.maxBytes} bytes`));
          if (form.lines > limits.maxLines) await fail(tooLarge(`the file has more than ${limits.maxLines} lines`));
          await sink(chunk);
        } else {
          field = Buffer.concat([field, chunk]);
          if (field.length > MAX_FIELD_BYTES) await fail(new GenqError("VALIDATION_FAILED", `form field "${name}" is too long`));
        }
      }
      if (hit >= 0) break;
      if (!(await more())) await malformed();
    }
    buf = buf.subarray(delimiter.length);
    if (!isFile) form.fields[name!] = field.toString("utf8");
  }
  if (form.bytes > 0 && lastByte !== 10) form.lines++;
  if (form.lines > limits.maxLines) throw tooLarge(`the file has more than ${limits.maxLines} lines`);
  await reader.cancel().catch(() => {});
  return form;
}

function tooLarge(message: string): GenqError {
  return new GenqError("PAYLOAD_TOO_LARGE", message);
}
