// GPU gauges from nvidia-smi: the CSV parser on recorded output, a real nvidia-smi stand-in
// process (the query arguments it is called with), and absence (not zeros) without a GPU.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, queryNvidiaSmi, registerGpuMetrics } from "../../worker/metrics/gpu-metrics.ts";
import { parseSamples } from "../harness/prometheus-text.ts";

// Recorded from `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`
// on a two-GPU host; the second GPU's driver does not report utilisation (MIG).
const RECORDED = "0, 37, 20718, 143771\n1, [N/A], 5, 143771\n";
const MIB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), "genq-gpu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("nvidia-smi parsing", () => {
  it("reads index, utilisation (as a ratio) and memory (MiB to bytes); N/A is left out", () => {
    expect(parseNvidiaSmiCsv(RECORDED)).toEqual([
      { index: "0", utilizationRatio: 0.37, memoryUsedBytes: 20718 * MIB, memoryTotalBytes: 143771 * MIB },
      { index: "1", utilizationRatio: null, memoryUsedBytes: 5 * MIB, memoryTotalBytes: 143771 * MIB },
    ]);
    expect(parseNvidiaSmiCsv("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")).toEqual([]);
    expect(parseNvidiaSmiCsv("")).toEqual([]);
  });

  it("runs nvidia-smi with the query arguments and answers undefined when it is missing or fails", async () => {
    const fake = join(dir, "nvidia-smi");
    // Prints the recording only when called with exactly the expected arguments.
    writeFileSync(fake, `#!/bin/sh\n[ "$*" = "${NVIDIA_SMI_ARGS.join(" ")}" ] || exit 9\nprintf '${RECORDED.replace(/\n/g, "\\n")}'\n`);
    chmodSync(fake, 0o755);
    expect(await queryNvidiaSmi(fake)).toHaveLength(2);
    const failing = join(dir, "failing-smi");
    writeFileSync(failing, "#!/bin/sh\necho 'No devices were found'\nexit 6\n");
    chmodSync(failing, 0o755);
    expect(await queryNvidiaSmi(failing)).toBeUndefined();
    expect(await queryNvidiaSmi(join(dir, "absent"))).toBeUndefined();
  });
});

describe("GPU gauges", () => {
  it("are absent, not zero, when nvidia-smi does not answer", async () => {
    const registry = new Registry();
    expect(await registerGpuMetrics(registry, () => queryNvidiaSmi(join(dir, "absent")))).toBe(false);
    expect(await registry.metrics()).not.toContain("genq_gpu");
  });

  it("show each GPU's utilisation and memory at scrape time", async () => {
    const registry = new Registry();
    let text = RECORDED;
    expect(await registerGpuMetrics(registry, async () => parseNvidiaSmiCsv(text))).toBe(true);
    const samples = parseSamples(await registry.metrics());
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: "genq_gpu_utilization_ratio", labels: { gpu: "0" }, value: 0.37 },
        { name: "genq_gpu_memory_used_bytes", labels: { gpu: "0" }, value: 20718 * MIB },
        { name: "genq_gpu_memory_used_bytes", labels: { gpu: "1" }, value: 5 * MIB },
        { name: "genq_gpu_memory_total_bytes", labels: { gpu: "1" }, value: 143771 * MIB },
      ]),
    );
    expect(samples.filter((s) => s.name === "genq_gpu_utilization_ratio")).toHaveLength(1);
    // A later scrape (after the 1 s reuse window) reads nvidia-smi again.
    text = "0, 90, 30000, 143771\n";
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = parseSamples(await registry.metrics());
    expect(later.filter((s) => s.name === "genq_gpu_utilization_ratio")).toEqual([{ name: "genq_gpu_utilization_ratio", labels: { gpu: "0" }, value: 0.9 }]);
    expect(later.filter((s) => s.labels.gpu === "1")).toEqual([]);
  });
});
