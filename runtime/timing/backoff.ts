// Capped exponential backoff with jitter and an abortable sleep: shared by the Iggy
// client's reconnects, the pipelines' retries and the supervisor's restarts.

/**
 * The wait before retry number `attempt` (0-based): `initialMs * 2^attempt`, capped at `maxMs`,
 * then spread over its upper half ("equal jitter"). The spread keeps the connectors of one runtime,
 * and the runtimes of one fleet, from retrying against a recovering server in lock step, while the
 * lower bound keeps the wait growing. `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const half = ceiling / 2;
  return Math.round(half + half * random());
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
