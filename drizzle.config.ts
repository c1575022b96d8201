// drizzle-kit: generates SQL migrations into migrations/ from shared/db/schema (never edit an applied one).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/schema/index.ts",
  out: "./migrations",
});
