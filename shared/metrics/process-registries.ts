// The Prometheus registries of this process beyond the API's own: process CPU/memory and Node
// runtime metrics (prom-client's defaults, collected once per process) and the registry of each
// worker running in this process (`npm start` runs the API and a worker together), so the API's
// /metrics shows them all and a worker's metrics port shows its own plus the process's.
import { collectDefaultMetrics, Registry } from "prom-client";

class ProcessRegistries {
  private defaults: Registry | undefined;
  private readonly workers = new Set<Registry>();

  /**
   * Process CPU, memory, event loop and GC. Created by `start()` (or on first use), so importing
   * costs nothing; CPU counters count from then, so entries start it when they start.
   */
  get processRegistry(): Registry {
    return this.start();
  }

  start(): Registry {
    if (!this.defaults) {
      this.defaults = new Registry();
      collectDefaultMetrics({ register: this.defaults });
    }
    return this.defaults;
  }

  /** A worker in this process announces its registry; returns the function that withdraws it. */
  addWorker(registry: Registry): () => void {
    this.workers.add(registry);
    return () => this.workers.delete(registry);
  }

  /** Exposition texts: the process's defaults, then each in-process worker's registry. */
  async render(): Promise<string[]> {
    return Promise.all([this.processRegistry, ...this.workers].map((r) => r.metrics()));
  }
}

export const processRegistries = new ProcessRegistries();
