// The narrow view of Iggy the pipelines need. `iggy-connect.ts` implements it
// over the binary-protocol client; keeping it small keeps the message path
// readable and lets the pipelines be driven by any Iggy endpoint.
import type { FlatBatch } from '../batch/flat-batch.js';
import type { Partitioning } from '../config/index.js';

/** Who owns the stored offsets: a consumer group (partitions assigned by the server) or a plain consumer. */
export type ConsumerRef = { kind: 'group'; name: string } | { kind: 'consumer'; name: string };

export interface PolledBatch {
  partitionId: number;
  /** Messages from the stored offset on; `count === 0` when there is nothing new. */
  batch: FlatBatch;
  /** The partition's latest offset, when a partition was polled (for the consumer-lag metric). */
  currentOffset?: bigint;
}

/** Where a source's messages go; `messages_key` carries the key bytes for the whole send. */
export type SendPartitioning = { kind: 'balanced' } | { kind: 'partition_id'; partitionId: number } | { kind: 'messages_key'; key: Buffer };

export interface PipelineIggy {
  /** Creates the stream and topic (1 partition) when they do not exist; returns the topic's partition count. */
  ensureTopic(stream: string, topic: string): Promise<number>;
  /** Creates the consumer group when missing and joins it (again after every reconnect). */
  joinGroup(stream: string, topic: string, group: string): Promise<void>;
  /**
   * Polls with auto-commit off (offsets move only through `storeOffset`): with the `next` strategy, or
   * from `fromOffset` on `partitionId` when given (the sink's read-ahead while the guest works).
   */
  poll(stream: string, topic: string, consumer: ConsumerRef, partitionId: number | undefined, count: number, fromOffset?: bigint): Promise<PolledBatch>;
  storeOffset(stream: string, topic: string, consumer: ConsumerRef, partitionId: number, offset: bigint): Promise<void>;
  /** Resolves once Iggy acknowledged every message of `batch`. */
  send(stream: string, topic: string, partitioning: SendPartitioning, batch: FlatBatch): Promise<void>;
  close(): Promise<void>;
}

export function toSendPartitioning(p: Partitioning): SendPartitioning | undefined {
  switch (p.kind) {
    case 'balanced':
      return { kind: 'balanced' };
    case 'partition_id':
      return { kind: 'partition_id', partitionId: p.partitionId };
    case 'messages_key':
      return undefined; // per message, computed by the source pipeline
  }
}
