// The files table (OpenAI Files): one row per uploaded batch input or written batch output/error
// file; the bytes live on disk under GENQ_DATA_DIR/files/<id>. Times are epoch milliseconds.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const FILE_PURPOSES = ["batch", "batch_output"] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

export const files = sqliteTable(
  "files",
  {
    /** "file-" + ULID (OpenAI's id style). */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().default(""),
    purpose: text("purpose", { enum: FILE_PURPOSES }).notNull(),
    filename: text("filename").notNull(),
    bytes: integer("bytes").notNull(),
    /** Lines (JSONL records) counted while streaming the upload. */
    lineCount: integer("line_count").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("files_tenant_id_idx").on(table.tenantId, table.id), index("files_created_idx").on(table.createdAt)],
);

export type FileRow = typeof files.$inferSelect;
export type NewFileRow = typeof files.$inferInsert;
