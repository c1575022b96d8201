// The D1 database handle (drizzle-orm/d1 over the Workers binding), typed with genq's schema.
// D1 has no interactive transactions: a multi-statement decision is one `db.batch([...])`, which
// D1 runs as one transaction, with every conditional step written as a guarded statement.
import { drizzle, type AnyD1Database, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "../schema/index.ts";

export type GenqD1Database = DrizzleD1Database<typeof schema>;

/** The D1 binding as wrangler passes it (`env.DB`). */
export type D1Binding = AnyD1Database;

export function openD1Database(binding: D1Binding): GenqD1Database {
  return drizzle(binding, { schema });
}

/** Rows changed by a `.run()` statement in a batch (D1's result meta). */
export function changesOf(result: unknown): number {
  return (result as { meta?: { changes?: number } }).meta?.changes ?? 0;
}
