// drizzle-kit for PostgreSQL (`npm run db:generate:postgres`): migrations into migrations/postgres/
// from shared/store/schema/postgres (never edit an applied one). SQLite's is drizzle.config.ts.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./shared/store/schema/postgres/index.ts",
  out: "./migrations/postgres",
});
