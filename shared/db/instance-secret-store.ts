// Deployment-wide secrets by purpose: created at first use, then the same for every process on
// this database (racing processes agree on the first row written).
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { GenqDatabase } from "./client.ts";
import { instanceSecrets } from "./schema/instance-secrets.ts";

export type InstanceSecretName = "stream-token";

export class InstanceSecretStore {
  constructor(private readonly db: GenqDatabase) {}

  /** The secret for `name` (32 random bytes, base64), generated and stored on first use. */
  getOrCreate(name: InstanceSecretName, nowMs = Date.now()): string {
    this.db
      .insert(instanceSecrets)
      .values({ name, secret: randomBytes(32).toString("base64"), createdAt: nowMs })
      .onConflictDoNothing()
      .run();
    return this.db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name)).get()!.secret;
  }
}
