// Connects a connector's own Iggy client from the `[iggy]` config and adapts it
// to the narrow PipelineIggy view the pipelines use.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config/index.js';
import {
  IggyClient,
  IggyClosedError,
  IggyError,
  NO_ASSIGNED_PARTITION,
  Polling,
  type Credentials,
  type SendPartitioning as ClientPartitioning,
} from '../iggy/index.js';
import { emptyBatch, type FlatBatch } from '../batch/flat-batch.js';
import type { ConsumerRef, PipelineIggy, SendPartitioning } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';

const STATUS = { streamNameExists: 1012, topicNameExists: 2013, groupNameExists: 5004 } as const;
/** Statuses meaning "the stream, topic or group is not there (yet)". */
const NOT_FOUND = new Set([1009, 1010, 2010, 2011, 5000, 5003]);

/** The getter's value, or undefined when Iggy says the entity does not exist. */
async function findOrUndefined<T>(get: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await get();
  } catch (error) {
    if (error instanceof IggyError && NOT_FOUND.has(error.status)) return undefined;
    throw error;
  }
}

export async function connectIggy(iggy: RuntimeConfig['iggy'], logger: Logger, signal?: AbortSignal): Promise<PipelineIggy & { client: IggyClient }> {
  const credentials: Credentials | undefined = iggy.token
    ? { token: iggy.token }
    : iggy.username !== undefined
      ? { username: iggy.username, password: iggy.password ?? '' }
      : undefined;
  const tls = iggy.tls.enabled
    ? { ...(iggy.tls.caFile ? { ca: await readFile(iggy.tls.caFile) } : {}), ...(iggy.tls.domain ? { servername: iggy.tls.domain } : {}) }
    : undefined;
  const client = new IggyClient({
    host: iggy.host,
    port: iggy.port,
    ...(tls ? { tls } : {}),
    ...(credentials ? { credentials } : {}),
    logger: logger.child({ component: 'iggy' }),
  });
  const connected = await retryIggy(() => client.connect().then(() => true), {
    signal,
    logger,
    what: `connect to Iggy at ${iggy.address}`,
    maxAttempts: 5,
  });
  if (!connected) {
    await client.close();
    throw new IggyClosedError(`connection to Iggy at ${iggy.address} abandoned: the connector was stopped`);
  }
  return new ClientPort(client);
}

const toConsumer = (c: ConsumerRef) => (c.kind === 'group' ? { kind: 'group' as const, id: c.name } : { kind: 'consumer' as const, id: c.name });

function toClientPartitioning(p: SendPartitioning): ClientPartitioning {
  switch (p.kind) {
    case 'balanced':
      return { kind: 'balanced' };
    case 'partition_id':
      return { kind: 'partition', id: p.partitionId };
    case 'messages_key':
      return { kind: 'key', key: p.key };
  }
}

/** Ignores "already exists" from a create that raced with another connector. */
async function createIfMissing(create: () => Promise<unknown>, existsStatus: number): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof IggyError && error.status === existsStatus)) throw error;
  }
}

class ClientPort implements PipelineIggy {
  constructor(readonly client: IggyClient) {}

  async ensureTopic(stream: string, topic: string): Promise<number> {
    const existing = await findOrUndefined(() => this.client.getTopic(stream, topic));
    if (existing) return existing.topic.partitionsCount;
    if (!(await findOrUndefined(() => this.client.getStream(stream)))) await createIfMissing(() => this.client.createStream(stream), STATUS.streamNameExists);
    await createIfMissing(() => this.client.createTopic(stream, topic, { partitions: 1 }), STATUS.topicNameExists);
    const created = await this.client.getTopic(stream, topic);
    return created?.topic.partitionsCount ?? 1;
  }

  async joinGroup(stream: string, topic: string, group: string): Promise<void> {
    if (!(await findOrUndefined(() => this.client.getConsumerGroup(stream, topic, group)))) {
      await createIfMissing(() => this.client.createConsumerGroup(stream, topic, group), STATUS.groupNameExists);
    }
    await this.client.joinConsumerGroup(stream, topic, group);
  }

  async poll(stream: string, topic: string, consumer: ConsumerRef, partitionId: number | undefined, count: number, fromOffset?: bigint) {
    const polled = await this.client.pollMessages(stream, topic, {
      consumer: toConsumer(consumer),
      ...(partitionId !== undefined ? { partitionId } : {}),
      ...(fromOffset !== undefined ? { strategy: Polling.offset(fromOffset) } : {}),
      count,
      autoCommit: false,
    });
    if (polled.partitionId === NO_ASSIGNED_PARTITION) return { partitionId: polled.partitionId, batch: emptyBatch() };
    return { partitionId: polled.partitionId, batch: polled.batch, currentOffset: polled.currentOffset };
  }

  async storeOffset(stream: string, topic: string, consumer: ConsumerRef, partitionId: number, offset: bigint): Promise<void> {
    await this.client.storeConsumerOffset(stream, topic, toConsumer(consumer), partitionId, offset);
  }

  async send(stream: string, topic: string, partitioning: SendPartitioning, batch: FlatBatch): Promise<void> {
    await this.client.sendMessages(stream, topic, toClientPartitioning(partitioning), batch);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
