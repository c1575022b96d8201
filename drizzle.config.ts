// drizzle-kit: generates SQL migrations into migrations/ from shared/store/schema (never edit an applied one).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/store/schema/index.ts",
  out: "./migrations",
});
