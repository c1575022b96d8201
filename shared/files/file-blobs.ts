// The bytes of OpenAI Files, on disk under GENQ_DATA_DIR/files/<id> (owner-only): written through
// a temporary name and renamed when complete, so a crash mid-write never leaves a half file
// under a real id; read as streams, never whole. The rows live in the store (FileStore).
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import { ensurePrivateDir } from "../store/private-files.ts";

export interface BlobWriter {
  /** Appends bytes, honouring backpressure. */
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes and moves the bytes under `id`. */
  commit(id: string): Promise<void>;
  /** Drops what was written (refused or failed upload). */
  discard(): Promise<void>;
}

export class FileBlobs {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "files");
  }

  pathOf(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new Error(`not a file id: ${id}`);
    return join(this.dir, id);
  }

  async writer(): Promise<BlobWriter> {
    ensurePrivateDir(this.dir);
    const temp = join(this.dir, `.upload-${randomBytes(8).toString("hex")}`);
    const out = createWriteStream(temp, { mode: 0o600 });
    const failed = new Promise<never>((_, reject) => out.once("error", reject));
    failed.catch(() => {});
    return {
      write: (chunk) => writeWithBackpressure(out, chunk, failed),
      commit: async (id) => {
        await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
        await rename(temp, this.pathOf(id));
      },
      discard: async () => {
        out.destroy();
        await rm(temp, { force: true });
      },
    };
  }

  read(id: string): ReadStream {
    return createReadStream(this.pathOf(id));
  }

  async size(id: string): Promise<number | undefined> {
    return (await stat(this.pathOf(id)).catch(() => undefined))?.size;
  }

  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }
}

async function writeWithBackpressure(out: Writable, chunk: Uint8Array, failed: Promise<never>): Promise<void> {
  if (out.write(chunk)) return;
  await Promise.race([new Promise<void>((resolve) => out.once("drain", resolve)), failed]);
}
