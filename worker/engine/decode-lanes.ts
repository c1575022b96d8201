// Packs the running sequences into "lanes": rectangular KV caches that each get their own decode pass.
// Two lanes are merged only while the merged rectangle stays at most half padding, so one long prompt
// joining does not make every running row attend over (and copy) its width at every step.
import { KvCache, type KvRowRef } from "../model/kv-cache.ts";
import type { KvShape } from "../model/model-signature.ts";
import type { Sequence } from "./sequence.ts";

export interface DecodeLane {
  /** Row i of `cache` belongs to sequences[i]. */
  sequences: Sequence[];
  /** [rows, kvHeads, columns, headDim] per layer, padded as KvShape.align says. */
  cache: KvCache;
}

/**
 * A merged lane's slots (rows × widest span) may be at most this many times the sum of its rows' spans:
 * the rule the scheduler applies to prefill groups. A separate lane costs one more pass per step
 * (the weights are read again); padding costs attention and KV copies at every step for every row.
 */
const MAX_PADDED_TO_REAL = 2;

interface Candidate {
  lane: DecodeLane;
  rows: Array<{ sequence: Sequence; ref: KvRowRef; span: number }>;
  width: number;
  spanSum: number;
  /** Rows dropped or lanes merged: needs a gather; otherwise the lane is kept as it is (no copy). */
  changed: boolean;
}

function candidate(lane: DecodeLane): Candidate | null {
  const rows = lane.sequences.flatMap((sequence, row) =>
    sequence.state === "running"
      ? [{ sequence, ref: { cache: lane.cache, row }, span: lane.cache.span(row) }]
      : [],
  );
  if (rows.length === 0) return null;
  return {
    lane,
    rows,
    width: Math.max(...rows.map((r) => r.span)),
    spanSum: rows.reduce((n, r) => n + r.span, 0),
    changed: rows.length !== lane.sequences.length,
  };
}

/**
 * Drops rows whose sequence no longer runs and merges lanes (narrowest first, neighbours by width)
 * while the padding rule holds and a lane stays within maxRowsPerLane. Lanes that neither lost rows
 * nor merged keep their cache untouched.
 * Returns the lanes narrowest first.
 */
export function packLanes(shape: KvShape, lanes: DecodeLane[], maxRowsPerLane = Infinity): DecodeLane[] {
  const candidates = lanes.map(candidate).filter((c): c is Candidate => c !== null);
  candidates.sort((a, b) => a.width - b.width);
  const packed: Candidate[] = [];
  for (const next of candidates) {
    const current = packed.at(-1);
    const rows = (current?.rows.length ?? 0) + next.rows.length;
    if (current && rows <= maxRowsPerLane && rows * next.width <= MAX_PADDED_TO_REAL * (current.spanSum + next.spanSum)) {
      current.rows.push(...next.rows);
      current.width = next.width;
      current.spanSum += next.spanSum;
      current.changed = true;
    } else {
      packed.push({ ...next, rows: [...next.rows] });
    }
  }
  return packed.map((c) =>
    c.changed
      ? { sequences: c.rows.map((r) => r.sequence), cache: KvCache.gather(shape, c.rows.map((r) => r.ref)) }
      : c.lane,
  );
}
