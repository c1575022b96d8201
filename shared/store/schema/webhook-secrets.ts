// Webhook signing secrets (`whsec_…`). `tenant` rows belong to a tenant (rotation keeps the old
// one signing until `expires_at`); the single `generated` row is the instance default, created
// at first start when GENQ_WEBHOOK_SECRET is unset, so signatures survive restarts.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const webhookSecrets = sqliteTable(
  "webhook_secrets",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["tenant", "generated"] }).notNull(),
    tenantId: text("tenant_id").notNull().default(""),
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Null while current; set on rotation to now + grace period. */
    expiresAt: integer("expires_at"),
  },
  (table) => [index("webhook_secrets_tenant_idx").on(table.kind, table.tenantId)],
);

export type WebhookSecretRow = typeof webhookSecrets.$inferSelect;
