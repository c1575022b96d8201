// All tables, for drizzle-kit and the typed client.
export * from "./jobs.ts";
export * from "./api-keys.ts";
