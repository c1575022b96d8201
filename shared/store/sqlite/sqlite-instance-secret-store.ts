// InstanceSecretStore on SQLite: INSERT OR IGNORE, then read, so racing processes agree.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { InstanceSecretName, InstanceSecretStore } from "../instance-secret-store.ts";
import { instanceSecrets } from "../schema/instance-secrets.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteInstanceSecretStore implements InstanceSecretStore {
  constructor(private readonly db: GenqDatabase) {}

  async getOrCreate(name: InstanceSecretName, nowMs: number): Promise<string> {
    this.db
      .insert(instanceSecrets)
      .values({ name, secret: randomBytes(32).toString("base64"), createdAt: nowMs })
      .onConflictDoNothing()
      .run();
    return this.db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name)).get()!.secret;
  }
}
