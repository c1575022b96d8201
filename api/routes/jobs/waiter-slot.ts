// Holds one of the tenant's open-waiter slots (GENQ_MAX_WAITERS_PER_TENANT) for a long-poll or
// SSE stream. Over the cap, the NEW waiter is refused (429 TOO_MANY_WAITERS): open ones are
// never cut, because a client holding a stream has no way to tell a cut from a server fault.
import type { AppDeps } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";

/** Long-polls end within GENQ's 60 s cap; most end much sooner. */
const WAITERS_RETRY_AFTER_SECONDS = 5;

/** Resolves to the release function; throws 429 over the cap. Fails open if Redis is down. */
export async function holdWaiterSlot(deps: AppDeps, tenantId: string): Promise<() => void> {
  let grant: Awaited<ReturnType<AppDeps["waiters"]["acquire"]>>;
  try {
    grant = await deps.waiters.acquire(tenantId);
  } catch (error) {
    // Waiters are woken through Redis too; without it they only time out, so nothing piles up.
    deps.logger.warn("waiter slots unavailable; waiter allowed", { error });
    return () => {};
  }
  if (grant.granted) return grant.release;
  throw new GenqError(
    "TOO_MANY_WAITERS",
    `${grant.open} long-polls and event streams are already open for this tenant; close some, poll without ?wait, or retry later`,
    { retryAfterSeconds: WAITERS_RETRY_AFTER_SECONDS },
  );
}
