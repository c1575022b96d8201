// Secrets of the whole deployment, by purpose (e.g. `stream-token`): generated once, at the first
// start, and shared by every API process that uses this database (no shared disk needed).
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

export const instanceSecrets = sqliteTable("instance_secrets", {
  name: text("name").primaryKey(),
  secret: text("secret").notNull(),
  createdAt: integer("created_at").notNull(),
});

export type InstanceSecretRow = typeof instanceSecrets.$inferSelect;
