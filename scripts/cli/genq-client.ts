// The HTTP side of the `genq` command: a tiny client for genq's API (GENQ_URL, GENQ_API_KEY),
// with uploads streamed from disk and downloads streamed to disk.
import { createWriteStream, openAsBlob } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface ClientSettings {
  /** Base URL of the API, e.g. http://127.0.0.1:8080 (no /v1). */
  url: string;
  apiKey?: string;
}

export class CliError extends Error {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export class GenqClient {
  constructor(private readonly settings: ClientSettings) {}

  async request(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await this.fetch(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { "content-type": "application/json" });
    return (await res.json()) as Json;
  }

  /** Streams FILE as a multipart upload (purpose=batch); the file is never read whole into memory. */
  async uploadBatchFile(path: string): Promise<Json> {
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", await openAsBlob(path), basename(path));
    const res = await this.fetch("POST", "/v1/files", form);
    return (await res.json()) as Json;
  }

  /** Streams a file's content to `out`. */
  async download(fileId: string, out: string): Promise<void> {
    const res = await this.fetch("GET", `/v1/files/${encodeURIComponent(fileId)}/content`);
    await pipeline(Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream), createWriteStream(out));
  }

  private async fetch(method: string, path: string, body?: RequestInit["body"], headers: Record<string, string> = {}): Promise<Response> {
    const auth: Record<string, string> = this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {};
    let res: Response;
    try {
      res = await fetch(`${this.settings.url}${path}`, { method, body, headers: { ...auth, ...headers } });
    } catch (error) {
      throw new CliError(`cannot reach genq at ${this.settings.url} (${(error as Error).cause ?? (error as Error).message}); set GENQ_URL`);
    }
    if (!res.ok) throw new CliError(`${method} ${path}: HTTP ${res.status}: ${errorText(await res.text())}`);
    return res;
  }
}

/** OpenAI-shaped ({error:{message}}) or problem+json ({detail}) errors, as one line. */
function errorText(body: string): string {
  try {
    const value = JSON.parse(body) as Json;
    return value.error?.message ?? value.detail ?? body;
  } catch {
    return body.slice(0, 500);
  }
}
