// One /metrics from several registries: a family that two registries share (two workers in one
// process) appears once, with every source's samples under its single HELP/TYPE header.
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { mergeExpositions } from "../../shared/metrics/merge-expositions.ts";
import { declaredFamilies, parseSamples, total } from "../harness/prometheus-text.ts";

function workerRegistry(worker: string, tokens: number, latencyS: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ worker });
  new Counter({ name: "genq_generation_tokens_total", help: "Output tokens.", registers: [registry] }).inc(tokens);
  new Histogram({ name: "genq_e2e_latency_seconds", help: "E2E.", buckets: [1, 10], registers: [registry] }).observe(latencyS);
  return registry;
}

describe("mergeExpositions", () => {
  it("keeps one header per family and every source's samples", async () => {
    const texts = await Promise.all([workerRegistry("a", 5, 0.5), workerRegistry("b", 7, 5)].map((r) => r.metrics()));
    // Plain concatenation declares each family twice: not a valid exposition.
    expect(() => declaredFamilies(texts.join(""))).toThrow(/declared twice/);
    const merged = mergeExpositions(texts);
    expect([...declaredFamilies(merged)]).toEqual([
      ["genq_generation_tokens_total", "counter"],
      ["genq_e2e_latency_seconds", "histogram"],
    ]);
    const samples = parseSamples(merged);
    expect(total(samples, "genq_generation_tokens_total")).toBe(12);
    expect(total(samples, "genq_e2e_latency_seconds_bucket", { le: "1" })).toBe(1);
    expect(total(samples, "genq_e2e_latency_seconds_count", { worker: "b" })).toBe(1);
    expect(merged.match(/^# HELP /gm)).toHaveLength(2);
  });
});
