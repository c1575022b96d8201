// GPU utilisation and memory per NVIDIA GPU (genq_gpu_utilization_ratio{gpu},
// genq_gpu_memory_used_bytes{gpu}, genq_gpu_memory_total_bytes{gpu}) from `nvidia-smi`, read at
// scrape time. Without a working nvidia-smi the series are absent (never zeros): the gauges are
// registered only when a first query answered.
import { execFile } from "node:child_process";
import { Gauge, type Registry } from "prom-client";

export interface GpuSample {
  /** nvidia-smi's GPU index. */
  index: string;
  /** 0..1, or null when the driver reports it as not supported. */
  utilizationRatio: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

export const NVIDIA_SMI_ARGS = ["--query-gpu=index,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"];
const MIB = 1024 * 1024;

/** Parses `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits` (percent, MiB). */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const number = (field: string | undefined) => {
    const value = Number((field ?? "").trim());
    return field === undefined || field.trim() === "" || !Number.isFinite(value) ? null : value;
  };
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [index, utilization, used, total] = line.split(",").map((f) => f.trim());
      const util = number(utilization);
      const usedMib = number(used);
      const totalMib = number(total);
      return {
        index,
        utilizationRatio: util === null ? null : util / 100,
        memoryUsedBytes: usedMib === null ? null : usedMib * MIB,
        memoryTotalBytes: totalMib === null ? null : totalMib * MIB,
      };
    })
    .filter((sample) => /^\d+$/.test(sample.index));
}

/** One nvidia-smi query; undefined when it is missing or fails (no NVIDIA GPU, no driver). */
export function queryNvidiaSmi(command = "nvidia-smi", timeoutMs = 2_000): Promise<GpuSample[] | undefined> {
  return new Promise((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { timeout: timeoutMs }, (error, stdout) => {
      if (error) return resolve(undefined);
      const samples = parseNvidiaSmiCsv(stdout);
      resolve(samples.length > 0 ? samples : undefined);
    });
  });
}

/** Registers the GPU gauges on `registry` when nvidia-smi answers now; returns whether it did. */
export async function registerGpuMetrics(registry: Registry, query: () => Promise<GpuSample[] | undefined> = () => queryNvidiaSmi()): Promise<boolean> {
  if (!(await query())) return false;
  // One nvidia-smi run per scrape, shared by the three gauges (prom-client awaits each gauge's collect()).
  let pending: Promise<GpuSample[] | undefined> | undefined;
  const samples = () => (pending ??= query().finally(() => setTimeout(() => (pending = undefined), 1_000).unref()));
  const gauge = (name: string, help: string, read: (s: GpuSample) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["gpu"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of (await samples()) ?? []) {
          const value = read(s);
          if (value !== null) this.set({ gpu: s.index }, value);
        }
      },
    });
  gauge("genq_gpu_utilization_ratio", "GPU utilisation (0..1) as nvidia-smi reports it.", (s) => s.utilizationRatio);
  gauge("genq_gpu_memory_used_bytes", "GPU memory in use.", (s) => s.memoryUsedBytes);
  gauge("genq_gpu_memory_total_bytes", "GPU memory in all.", (s) => s.memoryTotalBytes);
  return true;
}
