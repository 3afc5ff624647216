// Requests the conformance kit sends to its guest worker and the outcomes it gets
// back. Everything here crosses a worker boundary, so it is plain data.
import type { ConnectorKind, Grants, BatchMetadata, TopicMetadata } from '../host/index.js';

export interface WorkerBatch {
  index: Uint8Array;
  data: Uint8Array;
}

export type KitRequest =
  | { op: 'load'; path: string; kind?: ConnectorKind; grants: Grants; cacheDir?: string }
  | { op: 'instantiate' }
  | { op: 'open'; config: string; state?: Uint8Array }
  | { op: 'consume'; topic: TopicMetadata; meta: BatchMetadata; batch: WorkerBatch }
  | { op: 'poll' }
  | { op: 'close' }
  /**
   * The leak check: `warmup` calls, then memory is sampled, then `times` calls.
   * Runs inside the worker so that 1,000 calls cost no round trips.
   */
  | { op: 'repeat'; call: 'consume' | 'poll'; warmup: number; times: number; topic?: TopicMetadata; meta?: BatchMetadata; batch?: WorkerBatch };

export interface LoadValue {
  kind: ConnectorKind;
  imports: string[];
  exports: string[];
}

export interface PollValue {
  index: Uint8Array;
  data: Uint8Array;
  state?: Uint8Array;
}

export interface RepeatValue {
  calls: number;
  memoryBeforeBytes: number;
  memoryAfterBytes: number;
  /** Memory after each tenth of the measured calls: shows a leak's steady climb versus a plateau. */
  samples: number[];
  slowestMs: number;
}

/** What one request came to. `ms` is the guest call's own duration, measured in the worker. */
export type Outcome<V = unknown> =
  | { type: 'ok'; value: V; ms: number; memoryBytes: number }
  | { type: 'connector-error'; kind: 'invalid-config' | 'transient' | 'permanent'; message: string; ms: number; iteration?: number }
  | { type: 'trap'; call: string; message: string; iteration?: number }
  /** The host refused something before or around the call (wrong world, unknown imports, a malformed batch). */
  | { type: 'host-error'; code: string; message: string; unknownImports?: string[]; iteration?: number }
  /** Produced on the kit's side: the call overran the call timeout and the worker was terminated. */
  | { type: 'timeout'; call: string; elapsedMs: number }
  /** Produced on the kit's side: the worker died for another reason. */
  | { type: 'worker-exit'; message: string };

export interface KitReply {
  id: number;
  outcome: Outcome;
}
