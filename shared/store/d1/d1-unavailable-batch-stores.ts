// Files & Batches on D1: not served. Their bytes live on a Node API's disk and a Node API's batch
// runner drives them, so the Workers API answers 501 NOT_AVAILABLE_ON_WORKERS for every call
// (README: What the Workers API does differently) instead of half-working without the files.
import { GenqError } from "../../errors.ts";
import type { BatchStore } from "../batch-store.ts";
import type { FileStore } from "../file-store.ts";

function unavailable(): never {
  throw new GenqError("NOT_AVAILABLE_ON_WORKERS", "Files & Batches are served by the Node API, not by the API on Cloudflare Workers");
}

/** Every method refuses: a Proxy keeps this in step with the port as it grows ("then" stays
 * undefined so the object is never mistaken for a promise). */
function refusing<T extends object>(): T {
  return new Proxy({} as T, { get: (_target, prop) => (prop === "then" ? undefined : async () => unavailable()) });
}

export const d1FileStore = (): FileStore => refusing<FileStore>();
export const d1BatchStore = (): BatchStore => refusing<BatchStore>();

/** The Workers API's file bytes: none (see above). */
export const unavailableFileBlobs = {
  writer: async () => unavailable(),
  read: () => unavailable(),
  remove: async () => unavailable(),
};
