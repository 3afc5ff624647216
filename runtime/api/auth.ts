// The `api-key` check: in constant time, and the same answer for a missing key
// as for a wrong one.
import { createHash, timingSafeEqual } from 'node:crypto';

export const API_KEY_HEADER = 'api-key';

/** Paths anyone may read, as in Iggy's runtime; `/ui` is the static page, which holds no data and asks for the key itself. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/', '/health', '/ui', '/ui/']);

/**
 * Compares digests rather than the keys themselves so that the time taken
 * depends on neither the key's length nor where the first difference is.
 */
export function apiKeyMatches(expected: string, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
