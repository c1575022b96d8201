// The short version of chaos scenario (a) (`npm run chaos` runs the long one): real API and two
// worker processes on their own Redis and data dir, a worker SIGKILLed 3 times while 60 jobs
// flow. Nothing may be lost, duplicated, stuck or failed, and no submit may see a 5xx.
import { expect, it } from "vitest";
import { workerKillLoop } from "../../scripts/chaos/chaos-scenarios.ts";

it("60 jobs through 3 worker SIGKILLs: none failed, lost, duplicated or stuck", async () => {
  const result = await workerKillLoop({ jobs: 60, kills: 3, soakJobs: 0 });
  expect(result.counts).toEqual({ accepted: 60, succeeded: 60, failed: 0, lost: 0, duplicated: 0, stuck: 0, serverErrors: 0 });
  expect(result.recoverMs).not.toBeNull();
}, 300_000);
