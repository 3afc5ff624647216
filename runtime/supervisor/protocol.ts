// Messages between the supervisor (main thread) and a connector worker (which
// hosts one or several connectors), and the shared control block per connector
// the supervisor reads even while a guest call blocks the worker's event loop.
import type { RuntimeConfig, SinkConfig, SourceConfig } from '../config/index.js';
import type { ConnectorStats } from '../pipeline/stats.js';

export type ConnectorConfig = SinkConfig | SourceConfig;

/** What a worker needs whatever connectors it hosts; the connectors come later, one `start` each. */
export interface WorkerInit {
  iggy: RuntimeConfig['iggy'];
  statePath: string;
  logLevel: string;
  prettyLogs: boolean;
  cacheDir?: string;
}

/** A connector's id within the runtime: sinks and sources may share a key. */
export const connectorId = (c: Pick<ConnectorConfig, 'kind' | 'key'>): string => `${c.kind}s.${c.key}`;

// The control block and the stats are the pipeline's (it writes them); the supervisor reads them.
export { Control, GuestCall, guestCallName, newControlBlock, type GuestCallName } from '../pipeline/guest-control.js';
export { STAGES, STAGE_BUCKETS, addStats, emptyStats, observeStage, type ConnectorStats, type Stage, type StageHistogram } from '../pipeline/stats.js';

export interface SerializedError {
  name: string;
  code?: string;
  /** The Iggy status of an `IGGY_STATUS` error (the restart table classifies by it). */
  status?: number;
  message: string;
  /** What to do about it, from the restart table (runtime/pipeline/failure.ts); set by the supervisor. */
  action?: string;
}

/** Every event names the connector (`connectorId`) it is about. */
export type WorkerEvent =
  | ({ id: string } & (
      | { type: 'running' }
      | { type: 'stats'; stats: ConnectorStats }
      /** The pipeline gave up. `restart: false` when retrying cannot help (invalid config, `stop` policy). */
      | { type: 'failed'; error: SerializedError; restart: boolean }
      | { type: 'stopped'; stats: ConnectorStats }
      /** The connector's run is over and its Iggy connection closed: it may be started again. */
      | { type: 'ended' }
    ))
  /**
   * One JSON log line of the worker's logger (of any connector in it). Posting is synchronous,
   * so a line is on its way even while a guest call then keeps the worker's event loop busy,
   * and is not lost when the worker exits (its own stdout stream would hold it).
   */
  | { type: 'log'; line: string };

export type SupervisorCommand =
  /** `files`: the block of the connector's file I/O thread, which the supervisor owns (connectors with preopens). */
  | { type: 'start'; connector: ConnectorConfig; control: SharedArrayBuffer; files?: SharedArrayBuffer }
  | { type: 'stop'; id: string }
  /** No connector is left in the worker: it ends itself. */
  | { type: 'exit' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const { code, status } = error as { code?: unknown; status?: unknown };
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(typeof status === 'number' ? { status } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
