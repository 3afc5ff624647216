// Streams, topics and the system reads (stats, me, cluster metadata) of the dev broker.
import { hostname, type, release, cpus, totalmem, freemem } from 'node:os';
import {
  NodeRole,
  NodeStatus,
  Operation,
  Status,
  Transport,
  decodeCreateStream,
  decodeCreateTopic,
  decodeStreamRef,
  decodeTopicRef,
  encodeClientInfo,
  encodeClusterMetadata,
  encodeStats,
  encodeStreamDetails,
  encodeStreams,
  encodeTopicDetails,
  encodeTopics,
  packVersion,
  resolveTopicOptions,
  resultOk,
  decodeGetClient,
  encodeClients,
  type ClientInfo,
  type StreamInfo,
  type TopicDetails,
  type TopicInfo,
} from '../iggy/codec/index.js';
import { BrokerError } from './broker-error.js';
import type { Stream, Topic } from './catalog.js';
import type { BrokerContext, Connection, Outcome } from './context.js';

/** Iggy's cap on partitions per topic. */
const MAX_PARTITIONS = 1000;
const EMPTY = Buffer.alloc(0);

function topicTotals(t: Topic): { size: bigint; messages: bigint } {
  let size = 0;
  let messages = 0;
  for (const p of t.partitions) {
    size += p.sizeBytes;
    messages += p.nextOffset;
  }
  return { size: BigInt(size), messages: BigInt(messages) };
}

export function topicInfo(t: Topic): TopicInfo {
  const totals = topicTotals(t);
  return {
    id: t.id,
    createdAt: t.createdAt,
    partitionsCount: t.partitions.length,
    messageExpiry: t.messageExpiry,
    compressionAlgorithm: t.compression,
    maxTopicSize: t.maxTopicSize,
    sizeBytes: totals.size,
    messagesCount: totals.messages,
    name: t.name,
    options: t.options,
    derivedOptions: EMPTY,
  };
}

export function topicDetails(t: Topic): TopicDetails {
  return {
    topic: topicInfo(t),
    partitions: t.partitions.map((p) => ({
      id: p.id,
      createdAt: t.createdAt,
      segmentsCount: 1,
      currentOffset: p.currentOffset,
      sizeBytes: BigInt(p.sizeBytes),
      messagesCount: BigInt(p.nextOffset),
    })),
  };
}

function streamInfo(s: Stream): StreamInfo {
  let size = 0n;
  let messages = 0n;
  for (const t of s.topics.values()) {
    const totals = topicTotals(t);
    size += totals.size;
    messages += totals.messages;
  }
  return { id: s.id, createdAt: s.createdAt, topicsCount: s.topics.size, sizeBytes: size, messagesCount: messages, name: s.name, options: EMPTY };
}

const streamDetails = (s: Stream): Buffer => encodeStreamDetails({ stream: streamInfo(s), topics: [...s.topics.values()].map(topicInfo) });

export function createStream(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeCreateStream(body);
  if (req.options.length > 0) throw new BrokerError(Status.UnsupportedOptionKey, 'the dev broker accepts no stream options');
  return { body: resultOk(streamDetails(ctx.catalog.createStream(req.name))) };
}

/** GetStream answers an unknown stream with an empty body (the SDK's "not found"). */
export function getStream(ctx: BrokerContext, body: Buffer): Outcome {
  const stream = ctx.catalog.findStream(decodeStreamRef(body).streamId);
  return stream ? { body: streamDetails(stream) } : {};
}

export function listStreams(ctx: BrokerContext): Outcome {
  return { body: encodeStreams([...ctx.catalog.streams.values()].map(streamInfo)) };
}

export function deleteStream(ctx: BrokerContext, body: Buffer): Outcome {
  ctx.catalog.deleteStream(decodeStreamRef(body).streamId);
  return { body: resultOk() };
}

/** CreateTopic is answered with operation CreateTopicWithAssignments, as a real 0.9/0.11 server does. */
export function createTopic(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeCreateTopic(body);
  if (req.partitionsCount > MAX_PARTITIONS) throw new BrokerError(Status.TooManyPartitions, `Too many partitions: ${req.partitionsCount} > ${MAX_PARTITIONS}`);
  const options = resolveTopicOptions(req.options);
  const { topic } = ctx.catalog.createTopic(req.streamId, { name: req.name, partitions: req.partitionsCount, ...options, options: req.options });
  return { body: resultOk(encodeTopicDetails(topicDetails(topic))), operation: Operation.CreateTopicWithAssignments };
}

/** GetTopic answers an unknown topic with an empty body; an unknown stream is an error status. */
export function getTopic(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeTopicRef(body);
  ctx.catalog.stream(req.streamId);
  try {
    return { body: encodeTopicDetails(topicDetails(ctx.catalog.topic(req.streamId, req.topicId))) };
  } catch {
    return {};
  }
}

export function listTopics(ctx: BrokerContext, body: Buffer): Outcome {
  const stream = ctx.catalog.stream(decodeStreamRef(body).streamId);
  return { body: encodeTopics([...stream.topics.values()].map(topicInfo)) };
}

export function deleteTopic(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeTopicRef(body);
  ctx.catalog.deleteTopic(req.streamId, req.topicId);
  return { body: resultOk() };
}

export function getStats(ctx: BrokerContext): Outcome {
  let topics = 0;
  let partitions = 0;
  let groups = 0;
  let messages = 0n;
  let size = 0n;
  for (const s of ctx.catalog.streams.values()) {
    for (const t of s.topics.values()) {
      topics++;
      partitions += t.partitions.length;
      groups += t.groups.size;
      const totals = topicTotals(t);
      messages += totals.messages;
      size += totals.size;
    }
  }
  const now = BigInt(Date.now()) * 1000n;
  const memory = process.memoryUsage();
  return {
    body: encodeStats({
      processId: process.pid,
      cpuUsage: 0,
      totalCpuUsage: 0,
      memoryUsage: BigInt(memory.rss),
      totalMemory: BigInt(totalmem()),
      availableMemory: BigInt(freemem()),
      runTime: now - ctx.startedAt,
      startTime: ctx.startedAt,
      readBytes: 0n,
      writtenBytes: size,
      messagesSizeBytes: size,
      streamsCount: ctx.catalog.streams.size,
      topicsCount: topics,
      partitionsCount: partitions,
      segmentsCount: partitions,
      messagesCount: messages,
      clientsCount: ctx.connections.size,
      consumerGroupsCount: groups,
      hostname: hostname(),
      osName: type(),
      osVersion: release(),
      kernelVersion: release(),
      serverVersion: 'dev-broker',
      serverSemver: packVersion(0, 9, 0),
      threadsCount: cpus().length,
      freeDiskSpace: 0n,
      totalDiskSpace: 0n,
    }),
  };
}

function clientInfo(conn: Connection): ClientInfo {
  return {
    clientId: conn.id,
    userId: conn.userId ?? 0,
    transport: Transport.tcp,
    address: conn.address,
    consumerGroups: conn.memberships.map((m) => ({ streamId: m.stream.id, topicId: m.topic.id, groupId: m.group.id })),
  };
}

export const getMe = (_ctx: BrokerContext, conn: Connection): Outcome => ({ body: encodeClientInfo(clientInfo(conn)) });

/** GetClient answers an unknown client id with an empty body. */
export function getClient(ctx: BrokerContext, body: Buffer): Outcome {
  const conn = ctx.connections.get(decodeGetClient(body));
  return conn ? { body: encodeClientInfo(clientInfo(conn)) } : {};
}

export const listClients = (ctx: BrokerContext): Outcome => ({ body: encodeClients([...ctx.connections.values()].map(clientInfo)) });

/** One healthy leader node at the address clients dialled, so the SDK never redirects. */
export function getClusterMetadata(ctx: BrokerContext): Outcome {
  const { host, port } = ctx.advertised();
  return {
    body: encodeClusterMetadata({
      name: 'iggy-dev-broker',
      nodes: [{ name: 'dev-broker', ip: host, tcpPort: port, quicPort: 0, httpPort: 0, websocketPort: 0, role: NodeRole.leader, status: NodeStatus.healthy }],
    }),
  };
}
