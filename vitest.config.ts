// Test runner setup: one redis-server for the whole run (started by the global setup when
// REDIS_URL is unset); files run in parallel forks, each with its own queues and SQLite file.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/harness/global-setup.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
