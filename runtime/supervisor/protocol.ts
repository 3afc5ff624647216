// Messages between the supervisor (main thread) and a connector's worker, and
// the shared control block the supervisor reads even while a guest call blocks
// the worker's event loop.
import type { RuntimeConfig, SinkConfig, SourceConfig } from '../config/index.js';

export type ConnectorConfig = SinkConfig | SourceConfig;

export interface WorkerInit {
  connector: ConnectorConfig;
  iggy: RuntimeConfig['iggy'];
  statePath: string;
  logLevel: string;
  prettyLogs: boolean;
  control: SharedArrayBuffer;
  cacheDir?: string;
}

/** Guest calls the watchdog times; the numbers live in the control block. */
export const GuestCall = { none: 0, open: 1, consume: 2, poll: 3, close: 4 } as const;
export type GuestCallName = Exclude<keyof typeof GuestCall, 'none'>;
export const guestCallName = (code: number): GuestCallName | 'none' =>
  (Object.keys(GuestCall) as (keyof typeof GuestCall)[]).find((k) => GuestCall[k] === code) ?? 'none';

/** Slots of the BigInt64Array over the control block. */
export const Control = { callStartedMs: 0, callKind: 1, guestMemoryBytes: 2, slots: 4 } as const;

export const newControlBlock = (): SharedArrayBuffer => new SharedArrayBuffer(Control.slots * 8);

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
  guestMemoryBytes: number;
}

export const emptyStats = (): ConnectorStats => ({
  messagesIn: 0,
  messagesOut: 0,
  messagesFiltered: 0,
  messagesDeadLettered: 0,
  batches: 0,
  errors: 0,
  retries: 0,
  offsets: {},
  guestMemoryBytes: 0,
});

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
}

export type WorkerEvent =
  | { type: 'running' }
  | { type: 'stats'; stats: ConnectorStats }
  /** The pipeline gave up. `restart: false` when retrying cannot help (invalid config, `stop` policy). */
  | { type: 'failed'; error: SerializedError; restart: boolean }
  | { type: 'stopped'; stats: ConnectorStats };

export type SupervisorCommand = { type: 'stop' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
