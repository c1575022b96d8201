// Generated tiny models for tests: built once per option set and cached on disk under
// <repo>/.tmp/models/b-<builder sources hash>/<options key>, so a changed builder rebuilds.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRefusedLayoutFolder, type RefusedLayout } from "../../scripts/model-builder/refused-layouts.ts";
import { buildModelFolder, type BuildModelOptions } from "../../scripts/model-builder/write-model-folder.ts";

export type TinyModelOptions = Omit<BuildModelOptions, "preset" | "outDir">;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const builderDir = join(repoRoot, "scripts", "model-builder");
const cacheRoot = join(repoRoot, ".tmp", "models");
/** Caches of other builder versions are deleted once untouched this long (none is still in use). */
const STALE_CACHE_MS = 60 * 60 * 1000;
const pending = new Map<string, Promise<string>>();
let builderHash: string | undefined;
let pruned = false;

function hashBuilderSources(): string {
  if (!builderHash) {
    const hash = createHash("sha256");
    for (const name of readdirSync(builderDir).sort()) {
      hash.update(name).update(readFileSync(join(builderDir, name)));
    }
    builderHash = hash.digest("hex");
  }
  return builderHash;
}

/** Best effort: removes cache folders of other builder versions that nobody touched for an hour. */
async function pruneStaleCaches(current: string): Promise<void> {
  if (pruned) return;
  pruned = true;
  const entries = await readdir(cacheRoot).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry === current) continue;
    const path = join(cacheRoot, entry);
    const stats = await stat(path).catch(() => undefined);
    if (stats && Date.now() - stats.mtimeMs > STALE_CACHE_MS) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}

function versionDirName(): string {
  return `b-${hashBuilderSources().slice(0, 12)}`;
}

function cacheKey(options: TinyModelOptions): string {
  const normalized = {
    seed: options.seed ?? 1,
    dtypes: [...new Set(options.dtypes ?? ["fp32"])].sort(),
    positionIds: options.positionIds ?? true,
    logitsToKeepInput: options.logitsToKeepInput ?? true,
    externalData: options.externalData ?? false,
    attention: options.attention ?? "external-mask",
    inputIdsDtype: options.inputIdsDtype ?? "int64",
    mergedDecoder: options.mergedDecoder ?? false,
  };
  const digest = createHash("sha256").update(JSON.stringify(normalized)).digest("hex");
  return `tiny-s${normalized.seed}-${normalized.dtypes.join("+")}-${digest.slice(0, 12)}`;
}

async function buildOnce(finalDir: string, build: (outDir: string) => Promise<void>): Promise<string> {
  if (existsSync(finalDir)) return finalDir;
  await pruneStaleCaches(versionDirName());
  // Build beside the final folder, then rename: atomic, so another vitest worker process either
  // sees nothing or a complete folder. If it won the race, keep its copy.
  const partialDir = `${finalDir}.partial-${process.pid}-${randomUUID()}`;
  try {
    await build(partialDir);
    await rename(partialDir, finalDir);
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true });
    if (!existsSync(finalDir)) throw error;
  }
  return finalDir;
}

/** The folder of a tiny generated model (default: seed 1, fp32, position_ids and num_logits_to_keep inputs). */
export function tinyModelDir(options: TinyModelOptions = {}): Promise<string> {
  return cachedFolder(cacheKey(options), (outDir) => buildModelFolder({ ...options, preset: "tiny", outDir }));
}

/** A tiny folder whose graph has a cache signature genq refuses (fused or hybrid cache). */
export function refusedModelDir(kind: RefusedLayout): Promise<string> {
  return cachedFolder(`refused-${kind}`, (outDir) => buildRefusedLayoutFolder(kind, outDir));
}

function cachedFolder(key: string, build: (outDir: string) => Promise<void>): Promise<string> {
  const finalDir = join(cacheRoot, versionDirName(), key);
  let folder = pending.get(finalDir);
  if (!folder) {
    folder = buildOnce(finalDir, build);
    pending.set(finalDir, folder);
    folder.catch(() => pending.delete(finalDir));
  }
  return folder;
}
