// The tenants part of the store port: moving everything one tenant owns to another, atomically
// (the admin API's reassign; the first API key takes over the keyless tenant the same way).
export interface TenantReassignment {
  jobs: number;
  webhookDeliveries: number;
  webhookSecrets: number;
}

export interface TenantStore {
  /**
   * Moves the jobs, files, batches, their webhook deliveries and (when the target has none) the webhook secrets
   * of `from` to `to`. Where both used one Idempotency-Key, the target's job keeps it.
   */
  reassign(from: string, to: string): Promise<TenantReassignment>;
}
