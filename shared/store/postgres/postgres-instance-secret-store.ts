// InstanceSecretStore on PostgreSQL: INSERT ... ON CONFLICT DO NOTHING, then read, so racing
// processes on every host agree on one secret.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { InstanceSecretName, InstanceSecretStore } from "../instance-secret-store.ts";
import { instanceSecrets } from "../schema/postgres/instance-secrets.ts";
import type { GenqPgDatabase } from "./postgres-database.ts";

export class PostgresInstanceSecretStore implements InstanceSecretStore {
  constructor(private readonly db: GenqPgDatabase) {}

  async getOrCreate(name: InstanceSecretName, nowMs: number): Promise<string> {
    await this.db
      .insert(instanceSecrets)
      .values({ name, secret: randomBytes(32).toString("base64"), createdAt: nowMs })
      .onConflictDoNothing();
    const [row] = await this.db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name));
    return row.secret;
  }
}
