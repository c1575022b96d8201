// The files table on PostgreSQL: the same columns, indexes and row type as the SQLite table
// (../files.ts, which owns the purposes). Times are epoch ms in bigint.
import { bigint, index, pgTable, text } from "drizzle-orm/pg-core";
import { FILE_PURPOSES } from "../files.ts";

export const files = pgTable(
  "files",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().default(""),
    purpose: text("purpose", { enum: FILE_PURPOSES }).notNull(),
    filename: text("filename").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    lineCount: bigint("line_count", { mode: "number" }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
  },
  (table) => [index("files_tenant_id_idx").on(table.tenantId, table.id), index("files_created_idx").on(table.createdAt)],
);
