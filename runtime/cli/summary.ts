// One log line per connector at a fixed interval: what it moved since the last line, and its state.
import type { Logger } from 'pino';
import type { Supervisor } from '../supervisor/supervisor.js';

export function startSummaryLog(supervisor: Supervisor, logger: Logger, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const last = new Map<string, { in: number; out: number; at: number }>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const s of supervisor.status()) {
      const id = `${s.kind}s.${s.key}`;
      const prev = last.get(id) ?? { in: 0, out: 0, at: now - intervalMs };
      const seconds = Math.max(0.001, (now - prev.at) / 1000);
      last.set(id, { in: s.stats.messagesIn, out: s.stats.messagesOut, at: now });
      logger.info(
        {
          connector: s.key,
          kind: s.kind,
          state: s.state,
          inPerSec: Math.round((s.stats.messagesIn - prev.in) / seconds),
          outPerSec: Math.round((s.stats.messagesOut - prev.out) / seconds),
          totalOut: s.stats.messagesOut,
          filtered: s.stats.messagesFiltered,
          deadLettered: s.stats.messagesDeadLettered,
          errors: s.stats.errors,
          restarts: s.restarts,
        },
        'connector summary',
      );
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
