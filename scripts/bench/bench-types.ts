// The contract every benchmarked system implements: serve one wave of requests submitted at once
// and report per-request timings measured from the wave's start.

/** One request of a wave: prompt token ids (the same for every system) and its index. */
export interface BenchRequest {
  index: number;
  promptIds: number[];
  /** The prompt text the ids came from (transformers.js re-tokenizes it, like a user would). */
  text: string;
}

export interface RequestTiming {
  /** Wave start → first generated token observable by the caller. */
  ttftMs: number;
  /** Wave start → request complete. */
  latencyMs: number;
  /** Generated tokens (must equal the wave's `tokens`). */
  tokens: number;
  /** Generated text when the system produces one (for the cross-system output check). */
  text?: string;
}

export interface WaveResult {
  /** Wave start → last request complete (for the raw forward pass: summed session.run time). */
  wallMs: number;
  requests: RequestTiming[];
}

export interface BenchSystem {
  /** Short id used in the table and JSON: "naive", "genq", "ort-raw", "tjs-seq", "tjs-batch". */
  readonly id: string;
  readonly label: string;
  /** Submits every request at once and resolves when all are done. `tokens` = output length (EOS ignored). */
  runWave(requests: BenchRequest[], tokens: number): Promise<WaveResult>;
  close(): Promise<void>;
}
