// FileStore on PostgreSQL. A file read by an unfinished batch is never deleted (by its tenant or
// by retention): that batch's intake or a resumed one still needs its bytes.
import { and, desc, eq, inArray, lt, notExists, notInArray } from "drizzle-orm";
import type { FileListQuery, FileStore } from "../file-store.ts";
import { TERMINAL_BATCH_STATUSES } from "../schema/batches.ts";
import type { FileRow, NewFileRow } from "../schema/files.ts";
import { batches } from "../schema/postgres/batches.ts";
import { files } from "../schema/postgres/files.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";
import { first } from "./first-row.ts";

/** Batches that may still read their input file. */
const UNFINISHED = notInArray(batches.status, [...TERMINAL_BATCH_STATUSES]);

export class PostgresFileStore implements FileStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async insert(row: NewFileRow): Promise<FileRow> {
    await this.db.insert(files).values(row).onConflictDoNothing();
    return (await first(this.db.select().from(files).where(eq(files.id, row.id))))!;
  }

  async getForTenant(id: string, tenantId: string): Promise<FileRow | undefined> {
    return first(this.db.select().from(files).where(and(eq(files.id, id), eq(files.tenantId, tenantId))));
  }

  async list(query: FileListQuery): Promise<FileRow[]> {
    const conditions = [eq(files.tenantId, query.tenantId)];
    if (query.after) conditions.push(lt(files.id, query.after));
    if (query.purpose) conditions.push(eq(files.purpose, query.purpose));
    return this.db.select().from(files).where(and(...conditions)).orderBy(desc(files.id)).limit(query.limit);
  }

  async delete(id: string, tenantId: string): Promise<FileRow | "in-use" | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(files).where(and(eq(files.id, id), eq(files.tenantId, tenantId))).for("update");
      if (!row) return undefined;
      const [reader] = await tx.select({ id: batches.id }).from(batches).where(and(UNFINISHED, eq(batches.inputFileId, id))).limit(1);
      if (reader) return "in-use" as const;
      await tx.delete(files).where(eq(files.id, id));
      return row;
    });
  }

  async deleteExpired(cutoffMs: number, limit: number): Promise<FileRow[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(files)
        .where(and(lt(files.createdAt, cutoffMs), notExists(tx.select({ id: batches.id }).from(batches).where(and(UNFINISHED, eq(batches.inputFileId, files.id))))))
        .limit(limit)
        .for("update", { skipLocked: true });
      if (rows.length > 0) await tx.delete(files).where(inArray(files.id, rows.map((r) => r.id)));
      return rows;
    });
  }
}
