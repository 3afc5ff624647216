// The Iggy client: the commands as typed promises over its session (session.ts), the consumer
// groups it joined (rejoined after a reconnect) with their partition assignments, and
// client-side partitioning (balanced, by key) as the SDK does it.
import { xxh32 } from '@node-rs/xxhash';
import { FrameChecksums } from '../kernels/frame-checksums.js';
import { Field, INDEX_ENTRY_SIZE, emptyBatch, type FlatBatch, type MessageInput } from '../batch/flat-batch.js';
import {
  Code,
  HEADER_SIZE,
  decodeClientInfo,
  decodeConsumerOffsetInfo,
  decodeGroupAssignment,
  decodeGroupDetails,
  decodeGroups,
  decodePollReply,
  decodeSendReply,
  decodeStats,
  decodeStreamDetails,
  decodeStreams,
  decodeTopicDetails,
  decodeTopics,
  encodeCreateConsumerGroup,
  encodeCreateStream,
  encodeCreateTopic,
  encodeDeleteConsumerOffset,
  encodeGetConsumerOffset,
  encodeGroupRef,
  encodePollMessages,
  encodeSendMessages,
  encodeStoreConsumerOffset,
  encodeStreamRef,
  encodeTopicRef,
  Polling,
  type ClientInfo,
  type Consumer,
  type ConsumerGroupDetails,
  type ConsumerGroupInfo,
  type ConsumerOffsetInfo,
  type GroupAssignment,
  type Identifier,
  type PolledMessages,
  type PollingStrategy,
  type SendConfirmation,
  type Stats,
  type StreamDetails,
  type StreamInfo,
  type TopicDetails,
  type TopicInfo,
  type TopicOptions,
} from './codec/index.js';
import type { IggyConnection } from './connection.js';
import { sleep } from '../timing/backoff.js';
import { IggyArgumentError, IggyError } from './errors.js';
import { IggySession } from './session.js';
import type { RequestOptions } from './client-options.js';
import { withIds } from './message-ids.js';
import { topicOptionsBlock, unsupportedOptionError } from './topic-options.js';

export type { ClientState, Credentials, IggyClientOptions, LoginResult, ReconnectOptions, RequestOptions } from './client-options.js';

/** Iggy's commands as typed promises over an IggySession. */
export class IggyClient extends IggySession {
  /** Consumer groups joined through this client: joined again after a reconnect. */
  private readonly joinedGroups = new Map<string, { stream: Identifier; topic: Identifier; group: Identifier }>();
  /** Partitions assigned to this member per group, and the round-robin cursor over them (as the SDK polls). */
  private readonly assignments = new Map<string, { partitions: number[]; cursor: number }>();
  /** Partition counts per topic, for client-side balanced and key partitioning. */
  private readonly partitionCounts = new Map<string, number>();
  private readonly balancedCursors = new Map<string, number>();
  /** The send path's frame checksums in one call per batch; made on the first send (null: not yet). */
  private checksums: FrameChecksums | undefined | null = null;

  protected override async afterLogin(connection: IggyConnection): Promise<void> {
    this.assignments.clear();
    for (const [key, g] of [...this.joinedGroups]) {
      const body = encodeGroupRef({ streamId: g.stream, topicId: g.topic, groupId: g.group });
      const what = `rejoin consumer group ${g.group} of ${g.stream}/${g.topic}`;
      try {
        await this.exchange(connection, Code.JoinConsumerGroup, [body], what, this.requestTimeoutMs);
      } catch (error) {
        // A group deleted meanwhile must not keep the whole client offline: forget it, say so.
        if (!(error instanceof IggyError)) throw error;
        this.joinedGroups.delete(key);
        this.logger.warn({ err: error, stream: g.stream, topic: g.topic, group: g.group }, 'consumer group could not be rejoined after a reconnect; forgotten');
      }
    }
  }

  /** Assignments may have moved (members joined or left): the next group poll syncs again. */
  protected override afterHeartbeat(): void {
    this.assignments.clear();
  }

  // ---- system ----------------------------------------------------------------------------

  async getStats(options?: RequestOptions): Promise<Stats> {
    return this.decode('getStats', await this.call(Code.GetStats, [], 'getStats', options), decodeStats);
  }

  /** This connection as the server sees it (client id, user, joined groups). */
  async getMe(options?: RequestOptions): Promise<ClientInfo> {
    return this.decode('getMe', await this.call(Code.GetMe, [], 'getMe', options), decodeClientInfo);
  }

  // ---- streams ---------------------------------------------------------------------------

  async createStream(name: string, options?: RequestOptions): Promise<StreamDetails> {
    const what = `createStream(${name})`;
    return this.decode(what, await this.call(Code.CreateStream, [this.encode(what, () => encodeCreateStream({ name }))], what, options), decodeStreamDetails);
  }

  /** The stream, or undefined when it does not exist. */
  async getStream(stream: Identifier, options?: RequestOptions): Promise<StreamDetails | undefined> {
    const what = `getStream(${stream})`;
    const payload = await this.call(Code.GetStream, [this.encode(what, () => encodeStreamRef(stream))], what, options);
    return payload.length === 0 ? undefined : this.decode(what, payload, decodeStreamDetails);
  }

  async getStreams(options?: RequestOptions): Promise<StreamInfo[]> {
    return this.decode('getStreams', await this.call(Code.GetStreams, [], 'getStreams', options), decodeStreams);
  }

  async deleteStream(stream: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteStream(${stream})`;
    await this.call(Code.DeleteStream, [this.encode(what, () => encodeStreamRef(stream))], what, options);
  }

  // ---- topics ----------------------------------------------------------------------------

  /** Creates a topic with `partitions` partitions (default 1, ids 0..n-1). */
  async createTopic(stream: Identifier, name: string, topic: CreateTopicOptions = {}, options?: RequestOptions): Promise<TopicDetails> {
    const what = `createTopic(${stream}, ${name})`;
    const block = this.encode(what, () => topicOptionsBlock(topic.options));
    const body = this.encode(what, () => encodeCreateTopic({ streamId: stream, name, partitionsCount: topic.partitions ?? 1, options: block }));
    let reply: Buffer;
    try {
      reply = await this.call(Code.CreateTopic, [body], what, options);
    } catch (error) {
      throw error instanceof IggyError && error.status === 4041 ? unsupportedOptionError(error, block) : error;
    }
    const details = this.decode(what, reply, decodeTopicDetails);
    this.partitionCounts.delete(topicKey(stream, name));
    return details;
  }

  /** The topic, or undefined when it (or its stream) does not exist. */
  async getTopic(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<TopicDetails | undefined> {
    const what = `getTopic(${stream}, ${topic})`;
    const payload = await this.call(Code.GetTopic, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options);
    if (payload.length === 0) return undefined;
    const details = this.decode(what, payload, decodeTopicDetails);
    this.partitionCounts.set(topicKey(stream, topic), details.topic.partitionsCount);
    return details;
  }

  async getTopics(stream: Identifier, options?: RequestOptions): Promise<TopicInfo[]> {
    const what = `getTopics(${stream})`;
    return this.decode(what, await this.call(Code.GetTopics, [this.encode(what, () => encodeStreamRef(stream))], what, options), decodeTopics);
  }

  async deleteTopic(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteTopic(${stream}, ${topic})`;
    await this.call(Code.DeleteTopic, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options);
    this.partitionCounts.delete(topicKey(stream, topic));
  }

  // ---- messages --------------------------------------------------------------------------

  private frameChecksums(): FrameChecksums | undefined {
    if (this.checksums === null) this.checksums = FrameChecksums.create();
    return this.checksums;
  }

  /**
   * Sends a batch and resolves once the server accepted every message. Balanced and key
   * partitioning are resolved here, as the 0.11 SDK does (the server routes explicit partitions):
   * balanced goes round-robin over the topic's partitions, a key to `xxh32(key) % partitions`.
   * Messages with id 0 get a random id. Encoded into one buffer, header included.
   */
  async sendMessages(
    stream: Identifier,
    topic: Identifier,
    partitioning: SendPartitioning,
    messages: FlatBatch | readonly MessageInput[],
    options?: RequestOptions,
  ): Promise<SendConfirmation[]> {
    const what = `sendMessages(${stream}, ${topic})`;
    const partitionId = await this.resolvePartition(stream, topic, partitioning, what, options);
    const source = withIds(messages);
    const frame = this.encode(what, () =>
      encodeSendMessages(
        { streamId: stream, topicId: topic, partitioning: { kind: 'partition', id: partitionId }, messages: source },
        { headroom: HEADER_SIZE, checksums: this.frameChecksums() },
      ),
    );
    const payload = await this.call(Code.SendMessages, [frame], what, options, true);
    return this.decode(what, payload, decodeSendReply);
  }

  /**
   * Polls messages. The batch's `data` is the reply itself (no payload copies). A consumer-group
   * poll without `partitionId` goes to the partitions the server assigned to this member, in turn.
   */
  async pollMessages(stream: Identifier, topic: Identifier, poll: PollOptions, options?: RequestOptions): Promise<PolledMessages> {
    const strategy = poll.strategy ?? Polling.next();
    return this.pollWith(stream, topic, poll, () => strategy, options);
  }

  /**
   * Messages as an async iterator: each step polls and yields a non-empty batch, waiting
   * `idleMs` between empty polls. Pulling is the back-pressure; `return()` (leaving a
   * `for await`) or `signal` ends it. Without auto-commit the position is kept here, per
   * partition (the next poll asks for the offset after the last one yielded).
   */
  async *consume(stream: Identifier, topic: Identifier, consume: ConsumeOptions, options?: RequestOptions): AsyncGenerator<PolledMessages, void, undefined> {
    const start = consume.start ?? Polling.next();
    const positions = new Map<number, bigint>();
    const strategyFor = (partition: number): PollingStrategy => {
      const next = positions.get(partition);
      return next === undefined || consume.autoCommit ? start : Polling.offset(next);
    };
    const idleMs = consume.idleMs ?? 100;
    while (!consume.signal?.aborted) {
      const polled = await this.pollWith(stream, topic, consume, strategyFor, options);
      const count = polled.batch.count;
      if (count === 0) {
        await sleep(idleMs, consume.signal);
        continue;
      }
      const last = polled.batch.index.readBigUInt64LE((count - 1) * INDEX_ENTRY_SIZE + Field.offset);
      positions.set(polled.partitionId, last + 1n);
      yield polled;
    }
  }

  private async pollWith(
    stream: Identifier,
    topic: Identifier,
    poll: PollOptions,
    strategyFor: (partition: number) => PollingStrategy,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const consumer = toConsumer(poll.consumer);
    const what = `pollMessages(${stream}, ${topic}, ${describeConsumer(poll.consumer)}, partition ${poll.partitionId ?? 'assigned'})`;
    if (consumer.kind === 'group' && poll.partitionId === undefined) return this.pollAssigned(stream, topic, consumer, poll, strategyFor, what, options);
    // A plain consumer without a partition reads partition 0 on the server (as the SDK asks for it).
    return this.pollPartition(stream, topic, consumer, poll.partitionId, strategyFor(poll.partitionId ?? 0), poll, what, options);
  }

  private async pollPartition(
    stream: Identifier,
    topic: Identifier,
    consumer: Consumer,
    partitionId: number | undefined,
    strategy: PollingStrategy,
    poll: PollOptions,
    what: string,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const body = this.encode(what, () =>
      encodePollMessages({ consumer, streamId: stream, topicId: topic, partitionId, strategy, count: poll.count, autoCommit: poll.autoCommit ?? false }),
    );
    return this.decode(what, await this.call(Code.PollMessages, [body], what, options), decodePollReply);
  }

  private async pollAssigned(
    stream: Identifier,
    topic: Identifier,
    consumer: Consumer,
    poll: PollOptions,
    strategyFor: (partition: number) => PollingStrategy,
    what: string,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const key = groupKey(stream, topic, consumer.id);
    for (let attempt = 0; attempt < 2; attempt++) {
      let assignment = this.assignments.get(key);
      if (!assignment) {
        const synced = await this.syncConsumerGroup(stream, topic, consumer.id, options);
        if (!synced) throw IggyError.fromStatus(5006, `${what}: this client is not a member of the group`);
        // Not read back from the map: a heartbeat may clear it between the sync and this line.
        assignment = this.assignments.get(key) ?? { partitions: synced.partitions, cursor: 0 };
        this.assignments.set(key, assignment);
      }
      if (assignment.partitions.length === 0) {
        return { partitionId: NO_ASSIGNED_PARTITION, currentOffset: 0n, batch: emptyBatch() };
      }
      const partitionId = assignment.partitions[assignment.cursor++ % assignment.partitions.length]!;
      try {
        const polled = await this.pollPartition(stream, topic, consumer, partitionId, strategyFor(partitionId), poll, what, options);
        if (polled.batch.count === 0 && polled.partitionId === RESYNC_REQUIRED_PARTITION) {
          this.assignments.delete(key);
          continue;
        }
        return polled;
      } catch (error) {
        // A rebalance moved the partition away: learn the new assignment and try once more.
        if (error instanceof IggyError && error.status === 5009) {
          this.assignments.delete(key);
          continue;
        }
        throw error;
      }
    }
    return { partitionId: NO_ASSIGNED_PARTITION, currentOffset: 0n, batch: emptyBatch() };
  }

  private async resolvePartition(
    stream: Identifier,
    topic: Identifier,
    partitioning: SendPartitioning,
    what: string,
    options?: RequestOptions,
  ): Promise<number> {
    if (partitioning.kind === 'partition') return partitioning.id;
    const key = topicKey(stream, topic);
    let count = this.partitionCounts.get(key);
    if (count === undefined) {
      const details = await this.getTopic(stream, topic, options);
      if (!details) throw IggyError.fromStatus(2010, `${what}: the topic does not exist`);
      count = details.topic.partitionsCount;
    }
    if (count === 0) throw IggyError.fromStatus(3008, `${what}: the topic has no partitions`);
    if (partitioning.kind === 'key') {
      if (partitioning.key.length < 1 || partitioning.key.length > 255)
        throw new IggyArgumentError(`${what}: a message key is 1..255 bytes, got ${partitioning.key.length}`);
      return xxh32(partitioning.key, 0) % count;
    }
    const cursor = this.balancedCursors.get(key) ?? 0;
    this.balancedCursors.set(key, cursor + 1);
    return cursor % count;
  }

  // ---- consumer offsets ------------------------------------------------------------------

  /** Stores `offset` (the last message handled) for the consumer on a partition. */
  async storeConsumerOffset(
    stream: Identifier,
    topic: Identifier,
    consumer: ConsumerArg,
    partitionId: number | undefined,
    offset: bigint,
    options?: RequestOptions,
  ): Promise<void> {
    const what = `storeConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId}, ${offset})`;
    const body = this.encode(what, () => encodeStoreConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId, offset }));
    await this.call(Code.StoreConsumerOffset, [body], what, options);
  }

  /** The stored offset, or undefined when none is stored. */
  async getConsumerOffset(
    stream: Identifier,
    topic: Identifier,
    consumer: ConsumerArg,
    partitionId?: number,
    options?: RequestOptions,
  ): Promise<ConsumerOffsetInfo | undefined> {
    const what = `getConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId})`;
    const body = this.encode(what, () => encodeGetConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId }));
    return this.decode(what, await this.call(Code.GetConsumerOffset, [body], what, options), decodeConsumerOffsetInfo);
  }

  async deleteConsumerOffset(stream: Identifier, topic: Identifier, consumer: ConsumerArg, partitionId?: number, options?: RequestOptions): Promise<void> {
    const what = `deleteConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId})`;
    const body = this.encode(what, () => encodeDeleteConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId }));
    await this.call(Code.DeleteConsumerOffset, [body], what, options);
  }

  // ---- consumer groups -------------------------------------------------------------------

  async createConsumerGroup(stream: Identifier, topic: Identifier, name: string, options?: RequestOptions): Promise<ConsumerGroupDetails> {
    const what = `createConsumerGroup(${stream}, ${topic}, ${name})`;
    const body = this.encode(what, () => encodeCreateConsumerGroup({ streamId: stream, topicId: topic, name }));
    return this.decode(what, await this.call(Code.CreateConsumerGroup, [body], what, options), decodeGroupDetails);
  }

  /** The group, or undefined when it does not exist. */
  async getConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<ConsumerGroupDetails | undefined> {
    const what = `getConsumerGroup(${stream}, ${topic}, ${group})`;
    const body = this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }));
    const payload = await this.call(Code.GetConsumerGroup, [body], what, options);
    return payload.length === 0 ? undefined : this.decode(what, payload, decodeGroupDetails);
  }

  async getConsumerGroups(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<ConsumerGroupInfo[]> {
    const what = `getConsumerGroups(${stream}, ${topic})`;
    return this.decode(what, await this.call(Code.GetConsumerGroups, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options), decodeGroups);
  }

  async deleteConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteConsumerGroup(${stream}, ${topic}, ${group})`;
    await this.call(Code.DeleteConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
    this.forgetGroup(stream, topic, group);
  }

  /** Joins the group; the client joins it again after every reconnect until `leaveConsumerGroup`. */
  async joinConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `joinConsumerGroup(${stream}, ${topic}, ${group})`;
    await this.call(Code.JoinConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
    const key = groupKey(stream, topic, group);
    this.joinedGroups.set(key, { stream, topic, group });
    this.assignments.delete(key);
  }

  async leaveConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `leaveConsumerGroup(${stream}, ${topic}, ${group})`;
    this.forgetGroup(stream, topic, group);
    await this.call(Code.LeaveConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
  }

  /** The partitions the server assigned to this member (SyncConsumerGroup); undefined when not a member. */
  async syncConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<GroupAssignment | undefined> {
    const what = `syncConsumerGroup(${stream}, ${topic}, ${group})`;
    const payload = await this.call(
      Code.SyncConsumerGroup,
      [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))],
      what,
      options,
    );
    const assignment = this.decode(what, payload, decodeGroupAssignment);
    const key = groupKey(stream, topic, group);
    if (assignment) this.assignments.set(key, { partitions: assignment.partitions, cursor: 0 });
    else this.assignments.delete(key);
    return assignment;
  }

  private forgetGroup(stream: Identifier, topic: Identifier, group: Identifier): void {
    const key = groupKey(stream, topic, group);
    this.joinedGroups.delete(key);
    this.assignments.delete(key);
  }
}

/** Where a send goes: round-robin over the partitions, one 0-based partition, or by message key. */
export type SendPartitioning = { kind: 'balanced' } | { kind: 'partition'; id: number } | { kind: 'key'; key: Buffer };

export interface PollOptions {
  /** A plain consumer id/name, or `{ kind: 'group', id }`. */
  consumer: ConsumerArg;
  /** 0-based partition; omit for a consumer group to poll its assigned partitions in turn. */
  partitionId?: number;
  /** Default `next` (after the consumer's stored offset). */
  strategy?: PollingStrategy;
  count: number;
  /** Store the offset of the last returned message on the server. Default false. */
  autoCommit?: boolean;
}

export interface ConsumeOptions extends Omit<PollOptions, 'strategy'> {
  /** Where to begin on a partition not read yet by this iterator. Default `next`. */
  start?: PollingStrategy;
  /** Wait between empty polls. Default 100 ms. */
  idleMs?: number;
  /** Ends the iteration (checked between polls; an idle wait ends at once). */
  signal?: AbortSignal;
}

/** Partition id of an empty group poll when this member holds no partition (iggy_common NO_ASSIGNED_PARTITION). */
export const NO_ASSIGNED_PARTITION = 0xffff_fffe;
/** Partition id of an empty group poll that asks the member to re-sync its assignment. */
const RESYNC_REQUIRED_PARTITION = 0xffff_ffff;

export interface CreateTopicOptions {
  /** Partitions to create, ids 0..n-1. Default 1. */
  partitions?: number;
  options?: TopicOptions;
}

/** A plain consumer by id or name, or `{ kind, id }` for a consumer group. */
export type ConsumerArg = Identifier | Consumer;

const toConsumer = (c: ConsumerArg): Consumer => (typeof c === 'object' ? c : { kind: 'consumer', id: c });
const describeConsumer = (c: ConsumerArg): string => (typeof c === 'object' ? `${c.kind} ${c.id}` : `consumer ${c}`);
const idKey = (id: Identifier): string => (typeof id === 'number' ? `#${id}` : `"${id}"`);
const topicKey = (stream: Identifier, topic: Identifier): string => `${idKey(stream)}|${idKey(topic)}`;
const groupKey = (stream: Identifier, topic: Identifier, group: Identifier): string => `${topicKey(stream, topic)}|${idKey(group)}`;
