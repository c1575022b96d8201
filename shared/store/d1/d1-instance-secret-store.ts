// InstanceSecretStore on D1: INSERT OR IGNORE, then read, in one batch, so racing isolates agree.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { InstanceSecretName, InstanceSecretStore } from "../instance-secret-store.ts";
import { instanceSecrets } from "../schema/instance-secrets.ts";
import type { GenqD1Database } from "./d1-database.ts";

export class D1InstanceSecretStore implements InstanceSecretStore {
  constructor(private readonly db: GenqD1Database) {}

  async getOrCreate(name: InstanceSecretName, nowMs: number): Promise<string> {
    const { db } = this;
    const [, rows] = await db.batch([
      db.insert(instanceSecrets).values({ name, secret: randomBytes(32).toString("base64"), createdAt: nowMs }).onConflictDoNothing(),
      db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name)),
    ]);
    return rows[0].secret;
  }
}
