// drizzle's Postgres queries answer arrays; the store port answers one row or undefined.

/** The first row of a query, or undefined. */
export async function first<T>(rows: PromiseLike<T[]>): Promise<T | undefined> {
  return (await rows)[0];
}
