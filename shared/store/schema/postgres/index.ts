// All PostgreSQL tables, for drizzle-kit (drizzle.postgres.config.ts) and the typed client.
// Each has the row type of its SQLite twin: the stores return these rows as the SQLite types.
export * from "./jobs.ts";
export * from "./api-keys.ts";
export * from "./webhook-deliveries.ts";
export * from "./webhook-attempts.ts";
export * from "./webhook-secrets.ts";
export * from "./instance-secrets.ts";
