// The instance_secrets table on PostgreSQL: the same columns as the SQLite table (../instance-secrets.ts).
import { bigint, pgTable, text } from "drizzle-orm/pg-core";

export const instanceSecrets = pgTable("instance_secrets", {
  name: text("name").primaryKey(),
  secret: text("secret").notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});
