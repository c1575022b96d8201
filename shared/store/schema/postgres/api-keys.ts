// The api_keys table on PostgreSQL: the same columns and row type as the SQLite table (../api-keys.ts).
import { bigint, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    tenantId: text("tenant_id").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    revokedAt: bigint("revoked_at", { mode: "number" }),
  },
  (table) => [uniqueIndex("api_keys_prefix_idx").on(table.prefix), index("api_keys_tenant_idx").on(table.tenantId)],
);
