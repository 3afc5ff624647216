// The sink's offset commits, sent without waiting for their replies where the next poll does
// not depend on them: a commit is written in the same tick as the read-ahead poll after it (one
// socket write for both), and its reply is collected while the guest works on the next batch.
// A commit still follows the guest's `consume` of everything up to its offset (at-least-once).
import type { Logger } from 'pino';
import { isRetryable } from '../iggy/errors.js';
import { observeStage, type ConnectorStats } from './stats.js';
import type { ConsumerRef, PipelineIggy } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';

export interface OffsetCommitsOptions {
  client: PipelineIggy;
  stream: string;
  topic: string;
  consumer: ConsumerRef;
  stats: ConnectorStats;
  logger: Logger;
}

/**
 * Per topic loop: at most one round of commits in flight, so a partition's stored offset only
 * moves forward (a retried older commit can never land after a newer one). Offsets deferred while
 * a round is in flight are coalesced: only the newest per partition is sent.
 */
export class OffsetCommits {
  private readonly options: OffsetCommitsOptions;
  /** Newest offset per partition that the guest has accepted and no commit in flight carries. */
  private readonly pending = new Map<number, bigint>();
  private inFlight: Promise<void> | undefined;
  /** A commit Iggy refused for a reason a retry cannot fix: thrown by the next send or flush. */
  private failure: unknown;

  constructor(options: OffsetCommitsOptions) {
    this.options = options;
  }

  /** Records that everything up to `offset` on `partitionId` was delivered; sent by the next `send` or `flush`. */
  defer(partitionId: number, offset: bigint): void {
    this.pending.set(partitionId, offset);
  }

  /**
   * Writes the deferred commits now (in this tick, so they share a socket write with a request
   * issued in the same tick) unless a round is still in flight; then they wait for the next call.
   * True when something was sent.
   */
  send(): boolean {
    if (this.failure !== undefined) throw this.failure;
    if (this.inFlight || this.pending.size === 0) return false;
    const round = [...this.pending];
    this.pending.clear();
    const started = performance.now();
    const settled = Promise.allSettled(round.map(([partitionId, offset]) => this.store(partitionId, offset)));
    this.inFlight = settled.then((results) => {
      this.inFlight = undefined;
      observeStage(this.options.stats, 'commit', (performance.now() - started) / 1000);
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        const [partitionId, offset] = round[i]!;
        if (!isRetryable(result.reason)) {
          this.failure ??= result.reason;
          return;
        }
        // Lost with the connection: sent again by the next call, unless a newer offset replaced it.
        if (!this.pending.has(partitionId)) this.pending.set(partitionId, offset);
      });
    });
    return true;
  }

  /** Sends every deferred commit and waits until Iggy stored them (retrying through reconnects). */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
    const { client, stream, topic, consumer, logger } = this.options;
    for (const [partitionId, offset] of [...this.pending]) {
      const started = performance.now();
      await retryIggy(() => client.storeOffset(stream, topic, consumer, partitionId, offset), {
        signal: undefined,
        logger,
        what: `store offset ${offset} of ${stream}/${topic}/${partitionId}`,
        maxAttempts: 20,
      });
      observeStage(this.options.stats, 'commit', (performance.now() - started) / 1000);
      if (this.pending.get(partitionId) === offset) this.pending.delete(partitionId);
      this.stored(partitionId, offset);
    }
  }

  /** After a failure: one attempt at the deferred commits, waited for; never throws. */
  async settle(): Promise<void> {
    try {
      await this.inFlight;
      this.send();
      await this.inFlight;
    } catch (error) {
      this.options.logger.debug({ err: error }, 'offset commit after a failure did not go through; those batches come again');
    }
  }

  private async store(partitionId: number, offset: bigint): Promise<void> {
    const { client, stream, topic, consumer } = this.options;
    await client.storeOffset(stream, topic, consumer, partitionId, offset);
    this.stored(partitionId, offset);
  }

  private stored(partitionId: number, offset: bigint): void {
    const { stream, topic, stats } = this.options;
    stats.offsets[`${stream}/${topic}/${partitionId}`] = offset.toString();
  }
}
