// A connector's counters and stage timings, written by its pipeline in the worker and sent to
// the supervisor as plain numbers.
/** Pipeline stages timed per batch (metric `iggy_connector_stage_duration_seconds`). */
export const STAGES = ['poll', 'decode', 'transform', 'guest_call', 'send', 'commit'] as const;
export type Stage = (typeof STAGES)[number];

/** Upper bounds (seconds) of the stage-duration histogram buckets; the last bucket is +Inf. */
export const STAGE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** A histogram that crosses the thread boundary as plain numbers: `buckets[i]` counts observations <= STAGE_BUCKETS[i] (not cumulative), the last slot the rest. */
export interface StageHistogram {
  count: number;
  sumSeconds: number;
  buckets: number[];
}

export interface ConnectorStats {
  /** Sinks: polled from Iggy. Sources: returned by the guest's poll. */
  messagesIn: number;
  /** Sinks: accepted by the guest. Sources: acknowledged by Iggy. */
  messagesOut: number;
  messagesFiltered: number;
  messagesDeadLettered: number;
  batches: number;
  errors: number;
  retries: number;
  lastError?: string;
  /** Sinks: offsets stored, per "stream/topic/partition". */
  offsets: Record<string, string>;
  /** Sinks: messages behind the partition's latest offset after the last delivered batch, per "stream/topic/partition". */
  lag: Record<string, number>;
  guestMemoryBytes: number;
  stages: Record<Stage, StageHistogram>;
}

const emptyHistogram = (): StageHistogram => ({ count: 0, sumSeconds: 0, buckets: new Array<number>(STAGE_BUCKETS.length + 1).fill(0) });

export const emptyStats = (): ConnectorStats => ({
  messagesIn: 0,
  messagesOut: 0,
  messagesFiltered: 0,
  messagesDeadLettered: 0,
  batches: 0,
  errors: 0,
  retries: 0,
  offsets: {},
  lag: {},
  guestMemoryBytes: 0,
  stages: Object.fromEntries(STAGES.map((stage) => [stage, emptyHistogram()])) as Record<Stage, StageHistogram>,
});

/** Records one stage duration; a handful of arithmetic per batch, no allocation. */
export function observeStage(stats: ConnectorStats, stage: Stage, seconds: number): void {
  const h = stats.stages[stage];
  h.count += 1;
  h.sumSeconds += seconds;
  let i = 0;
  while (i < STAGE_BUCKETS.length && seconds > STAGE_BUCKETS[i]!) i++;
  h.buckets[i] = (h.buckets[i] ?? 0) + 1;
}

/**
 * A connector's stats across its workers: each new worker starts from zero, so
 * the supervisor adds the totals of the workers before it (counters keep rising
 * over restarts, as Prometheus expects); point-in-time values come from `current`.
 */
export function addStats(previous: ConnectorStats, current: ConnectorStats): ConnectorStats {
  const stages = {} as Record<Stage, StageHistogram>;
  for (const stage of STAGES) {
    const a = previous.stages[stage];
    const b = current.stages[stage];
    stages[stage] = { count: a.count + b.count, sumSeconds: a.sumSeconds + b.sumSeconds, buckets: a.buckets.map((n, i) => n + (b.buckets[i] ?? 0)) };
  }
  const lastError = current.lastError ?? previous.lastError;
  return {
    messagesIn: previous.messagesIn + current.messagesIn,
    messagesOut: previous.messagesOut + current.messagesOut,
    messagesFiltered: previous.messagesFiltered + current.messagesFiltered,
    messagesDeadLettered: previous.messagesDeadLettered + current.messagesDeadLettered,
    batches: previous.batches + current.batches,
    errors: previous.errors + current.errors,
    retries: previous.retries + current.retries,
    ...(lastError !== undefined ? { lastError } : {}),
    offsets: { ...previous.offsets, ...current.offsets },
    lag: { ...previous.lag, ...current.lag },
    guestMemoryBytes: current.guestMemoryBytes,
    stages,
  };
}
