// `npm run chaos [-- --quick] [-- --scenario a,c]`: real processes on loopback (own Redis and data
// dir per scenario) under faults; prints one table (accepted / succeeded / failed / lost /
// duplicated / stuck / 5xx / time to recover) and exits 1 if any target is missed.
import { SCENARIOS, type ScenarioKey, type ScenarioResult, type ScenarioSize } from "./chaos-scenarios.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const selected = (args[args.indexOf("--scenario") + 1] && args.includes("--scenario") ? args[args.indexOf("--scenario") + 1] : "a,b,c,d,e")
  .split(",")
  .map((s) => s.trim())
  .filter((s): s is ScenarioKey => s in SCENARIOS);
const size: ScenarioSize = quick ? { jobs: 120, kills: 4, soakJobs: 500 } : { jobs: 600, kills: 12, soakJobs: 5_000 };

const results: ScenarioResult[] = [];
for (const key of selected) {
  process.stderr.write(`chaos: running scenario ${key}…\n`);
  results.push(await SCENARIOS[key](size));
}

const header = "| scenario | accepted | succeeded | failed | lost | duplicated | stuck | 5xx | time to recover |";
const lines = [header, "|---|---|---|---|---|---|---|---|---|"];
for (const r of results) {
  const c = r.counts;
  const recover = r.recoverMs === null ? "never" : `${(r.recoverMs / 1000).toFixed(1)} s`;
  lines.push(`| ${r.name} | ${c.accepted} | ${c.succeeded} | ${c.failed} | ${c.lost} | ${c.duplicated} | ${c.stuck} | ${c.serverErrors} | ${recover} |`);
}
process.stdout.write(`${lines.join("\n")}\n`);
for (const r of results) for (const note of r.notes) process.stdout.write(`${r.name}: ${note}\n`);

const missed = results.filter((r) => {
  const c = r.counts;
  return c.failed + c.lost + c.duplicated + c.stuck > 0 || r.recoverMs === null || (r.name.startsWith("(e)") ? false : c.serverErrors > 0);
});
process.exit(missed.length === 0 ? 0 : 1);
