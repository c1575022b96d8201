// All tables, for drizzle-kit and the typed client.
export * from "./jobs.ts";
export * from "./api-keys.ts";
export * from "./webhook-deliveries.ts";
export * from "./webhook-attempts.ts";
export * from "./webhook-secrets.ts";
export * from "./instance-secrets.ts";
export * from "./files.ts";
export * from "./batches.ts";
