// The files part of the store port (OpenAI Files): the rows only; the bytes are kept by
// shared/files/file-blobs.ts. Every method is one atomic decision in every implementation.
import type { FilePurpose, FileRow, NewFileRow } from "./schema/files.ts";

export interface FileListQuery {
  tenantId: string;
  limit: number;
  /** Cursor: only files with an id below this one (ids sort by creation time); newest first. */
  after?: string;
  purpose?: FilePurpose;
}

export interface FileStore {
  /** Inserts the row unless its id exists (a resumed finalization); returns the stored row. */
  insert(row: NewFileRow): Promise<FileRow>;
  /** A file as its tenant sees it: another tenant's file does not exist. */
  getForTenant(id: string, tenantId: string): Promise<FileRow | undefined>;
  list(query: FileListQuery): Promise<FileRow[]>;
  /**
   * Deletes the tenant's file unless an unfinished batch reads it. "in-use" when one does,
   * undefined when there is no such file (for this tenant).
   */
  delete(id: string, tenantId: string): Promise<FileRow | "in-use" | undefined>;
  /** Retention: deletes up to `limit` files created before `cutoffMs` that no unfinished batch reads; returns them. */
  deleteExpired(cutoffMs: number, limit: number): Promise<FileRow[]>;
}
