// The chaos run's client: submits jobs with Idempotency-Keys and retries every failure (network
// error, 5xx) with the same key, as a careful client would; then audits what the API holds:
// lost (accepted, now 404), duplicated (one key, several jobs), stuck (not terminal), failed.
export interface SubmitOptions {
  count: number;
  /** Idempotency-Key prefix; the key and metadata.key are `${keyPrefix}-${i}`. */
  keyPrefix: string;
  maxTokens: number;
  concurrency?: number;
  webhookUrl?: string;
}

export interface ChaosCounts {
  accepted: number;
  succeeded: number;
  failed: number;
  lost: number;
  duplicated: number;
  stuck: number;
  serverErrors: number;
}

interface JobSummary {
  id: string;
  status: string;
  metadata: { key?: string } | null;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "expired"]);

export class ChaosClient {
  /** Idempotency key -> job id from the first 202. */
  readonly accepted = new Map<string, string>();
  serverErrors = 0;

  constructor(private readonly apiUrl: string) {}

  /** Submits `count` jobs; resolves once every one was accepted (retrying through outages). */
  async submit(options: SubmitOptions): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < options.count) {
        const i = next++;
        await this.submitOne(options, `${options.keyPrefix}-${i}`, i);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  }

  /** Polls /metrics until no job is queued or running (and every submit is in), or the deadline. */
  async waitDrained(deadlineMs: number): Promise<boolean> {
    while (Date.now() < deadlineMs) {
      try {
        const text = await (await fetch(`${this.apiUrl}/metrics`)).text();
        const active = [...text.matchAll(/^genq_jobs\{status="(queued|running)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
        if (active === 0 && /genq_jobs\{status="queued"\}/.test(text)) return true;
      } catch {
        // API restarting
      }
      await sleep(250);
    }
    return false;
  }

  /** Reads every job back (all pages) and compares with what was accepted. */
  async audit(): Promise<ChaosCounts> {
    const jobs: JobSummary[] = [];
    let after = "";
    for (;;) {
      const page = (await (await fetchRetrying(`${this.apiUrl}/v1/jobs?limit=100${after ? `&after=${after}` : ""}`)).json()) as {
        data: JobSummary[];
        has_more: boolean;
        next_cursor: string;
      };
      jobs.push(...page.data);
      if (!page.has_more) break;
      after = page.next_cursor;
    }
    const byKey = new Map<string, JobSummary[]>();
    for (const job of jobs) {
      const key = job.metadata?.key;
      if (key) byKey.set(key, [...(byKey.get(key) ?? []), job]);
    }
    const counts: ChaosCounts = { accepted: this.accepted.size, succeeded: 0, failed: 0, lost: 0, duplicated: 0, stuck: 0, serverErrors: this.serverErrors };
    for (const [key, id] of this.accepted) {
      const found = byKey.get(key) ?? [];
      if (!found.some((j) => j.id === id)) counts.lost++;
      if (found.length > 1) counts.duplicated++;
      const job = found.find((j) => j.id === id);
      if (!job) continue;
      if (job.status === "succeeded") counts.succeeded++;
      else if (TERMINAL.has(job.status)) counts.failed++;
      else counts.stuck++;
    }
    return counts;
  }

  private async submitOne(options: SubmitOptions, key: string, i: number): Promise<void> {
    const body = JSON.stringify({
      prompt: `chaos ${key}`,
      max_tokens: options.maxTokens,
      ignore_eos: true,
      temperature: i % 2 === 0 ? 0 : 0.8,
      seed: i,
      metadata: { key },
      ...(options.webhookUrl ? { webhook: { url: options.webhookUrl } } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.apiUrl}/v1/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 202) {
          const job = (await res.json()) as { id: string };
          if (!this.accepted.has(key)) this.accepted.set(key, job.id);
          return;
        }
        if (res.status >= 500) this.serverErrors++;
        else if (res.status !== 429) throw new Error(`submit ${key}: unexpected ${res.status} ${await res.text()}`);
        await res.body?.cancel();
      } catch (error) {
        if ((error as Error).message.startsWith("submit ")) throw error;
        // Connection refused or reset: the API is down; retry with the same key.
      }
      await sleep(Math.min(1_000, 50 * 2 ** attempt));
    }
  }
}

async function fetchRetrying(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (res.status < 500) return res;
    } catch {
      if (attempt > 100) throw new Error(`${url} did not answer`);
    }
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
