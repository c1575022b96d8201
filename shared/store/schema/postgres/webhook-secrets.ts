// Webhook signing secrets on PostgreSQL: the same columns and row type as the SQLite table (../webhook-secrets.ts).
import { bigint, index, pgTable, text } from "drizzle-orm/pg-core";

export const webhookSecrets = pgTable(
  "webhook_secrets",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["tenant", "generated"] }).notNull(),
    tenantId: text("tenant_id").notNull().default(""),
    secret: text("secret").notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }),
    revealedAt: bigint("revealed_at", { mode: "number" }),
  },
  (table) => [index("webhook_secrets_tenant_idx").on(table.kind, table.tenantId)],
);
