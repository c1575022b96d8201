// FileStore on SQLite. A file read by an unfinished batch is never deleted (by its tenant or by
// retention): that batch's intake or a resumed one still needs its bytes.
import { and, desc, eq, inArray, lt, notExists, notInArray } from "drizzle-orm";
import type { FileListQuery, FileStore } from "../file-store.ts";
import { batches, TERMINAL_BATCH_STATUSES } from "../schema/batches.ts";
import { files, type FileRow, type NewFileRow } from "../schema/files.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteFileStore implements FileStore {
  constructor(private readonly db: GenqDatabase) {}

  async insert(row: NewFileRow): Promise<FileRow> {
    this.db.insert(files).values(row).onConflictDoNothing().run();
    return this.db.select().from(files).where(eq(files.id, row.id)).get()!;
  }

  async getForTenant(id: string, tenantId: string): Promise<FileRow | undefined> {
    return this.db.select().from(files).where(and(eq(files.id, id), eq(files.tenantId, tenantId))).get();
  }

  async list(query: FileListQuery): Promise<FileRow[]> {
    const conditions = [eq(files.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(files.id, query.after));
    if (query.purpose) conditions.push(eq(files.purpose, query.purpose));
    return this.db.select().from(files).where(and(...conditions)).orderBy(desc(files.id)).limit(query.limit).all();
  }

  async delete(id: string, tenantId: string): Promise<FileRow | "in-use" | undefined> {
    return this.db.transaction(
      (tx) => {
        const row = tx.select().from(files).where(and(eq(files.id, id), eq(files.tenantId, tenantId))).get();
        if (!row) return undefined;
        const reader = tx.select({ id: batches.id }).from(batches).where(and(this.unfinishedReader(), eq(batches.inputFileId, id))).get();
        if (reader) return "in-use" as const;
        tx.delete(files).where(eq(files.id, id)).run();
        return row;
      },
      { behavior: "immediate" },
    );
  }

  async deleteExpired(cutoffMs: number, limit: number): Promise<FileRow[]> {
    return this.db.transaction(
      (tx) => {
        const rows = tx
          .select()
          .from(files)
          .where(
            and(
              lt(files.createdAt, cutoffMs),
              notExists(tx.select({ id: batches.id }).from(batches).where(and(this.unfinishedReader(), eq(batches.inputFileId, files.id)))),
            ),
          )
          .limit(limit)
          .all();
        if (rows.length > 0) tx.delete(files).where(inArray(files.id, rows.map((r) => r.id))).run();
        return rows;
      },
      { behavior: "immediate" },
    );
  }

  /** Batches that may still read their input file. */
  private unfinishedReader() {
    return notInArray(batches.status, [...TERMINAL_BATCH_STATUSES]);
  }
}
