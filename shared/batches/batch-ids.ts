// Ids of batches and of what they make. A line's job id is derived from the batch id and the
// line number, so a resumed intake inserts (and enqueues) the very same ids again, harmlessly,
// and a batch's lines sort by line number. Output and error files get fixed ids for the same reason.
import { createHash } from "node:crypto";
import { newUlid } from "../ids.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const BATCH_ID_PATTERN = /^batch_[0-9A-HJKMNP-TV-Z]{26}$/;

export function newBatchId(nowMs: number): string {
  return `batch_${newUlid(nowMs)}`;
}

function base32(value: number, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * `job_` + the batch's 10-character time + 8 characters of a hash of the batch id + the line
 * number in 8 base-32 digits: a valid, time-sortable job id, distinct per batch and line.
 */
export function lineJobId(batchId: string, line: number): string {
  const digest = createHash("sha256").update(batchId).digest();
  const tag = Array.from(digest.subarray(0, 8), (b) => ALPHABET[b & 31]).join("");
  return `job_${batchId.slice("batch_".length, "batch_".length + 10)}${tag}${base32(line, 8)}`;
}

export function outputFileIdOf(batchId: string): string {
  return `file-${batchId.slice("batch_".length)}-output`;
}

export function errorFileIdOf(batchId: string): string {
  return `file-${batchId.slice("batch_".length)}-errors`;
}
