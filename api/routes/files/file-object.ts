// The OpenAI file object for a file row (times in Unix seconds, as OpenAI's).
import type { FileRow } from "../../../shared/store/schema/files.ts";

export function toFileObject(row: FileRow) {
  return {
    id: row.id,
    object: "file" as const,
    bytes: row.bytes,
    created_at: Math.floor(row.createdAt / 1000),
    filename: row.filename,
    purpose: row.purpose,
    status: "processed" as const,
    status_details: null,
    expires_at: null,
  };
}
