// The api_keys table: one row per issued API key. Only a SHA-256 of the key is stored; the short
// public prefix finds the row. Revoked rows are kept (auditing, and so "no keys ever" stays false).
import { sqliteTable, text, integer, uniqueIndex, index } from "drizzle-orm/sqlite-core";

export const apiKeys = sqliteTable(
  "api_keys",
  {
    /** "key_" + ULID; also the default tenant of the key's jobs. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Owner of the jobs submitted with this key; several keys may share one (rotation). */
    tenantId: text("tenant_id").notNull(),
    /** Public lookup handle, part of the key itself (gq_live_<prefix>_<secret>). */
    prefix: text("prefix").notNull(),
    /** Hex SHA-256 of the whole key. */
    secretHash: text("secret_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (table) => [uniqueIndex("api_keys_prefix_idx").on(table.prefix), index("api_keys_tenant_idx").on(table.tenantId)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;
