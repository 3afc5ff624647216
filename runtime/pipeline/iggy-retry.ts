// Retries an Iggy call through connection loss: the client reconnects and logs in
// again by itself; the pipeline waits with capped backoff and tries the same call.
import type { Logger } from 'pino';
import { isRetryable } from '../iggy/errors.js';
import { backoffDelay, sleep } from '../timing/backoff.js';

export interface RetryOptions {
  /** Stop retrying (resolve undefined) once this aborts; undefined = retry regardless of shutdown. */
  signal: AbortSignal | undefined;
  logger: Logger;
  what: string;
  /** Give up and throw the last error after this many attempts; default: unlimited. */
  maxAttempts?: number;
  initialMs?: number;
  maxMs?: number;
}

/** Resolves the call's value, or undefined when `signal` aborted before it succeeded. Non-retryable errors throw at once. */
export async function retryIggy<T>(call: () => Promise<T>, options: RetryOptions): Promise<T | undefined> {
  const { signal, logger, what, maxAttempts = Infinity, initialMs = 100, maxMs = 5_000 } = options;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) return undefined;
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= maxAttempts) throw error;
      const delay = backoffDelay(attempt, initialMs, maxMs);
      logger.warn({ err: error, attempt: attempt + 1, delayMs: delay }, `${what}: Iggy unreachable, retrying`);
      await sleep(delay, signal);
    }
  }
}
