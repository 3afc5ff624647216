// Topic request and response bodies (requests/topics, responses/topics, TopicHeader in
// responses/streams/get_stream.rs). Compression, expiry and size ride in the options block.
import { WireReader, WireWriter } from './cursor.js';
import { type Identifier, readIdentifier, writeIdentifier } from './primitives.js';
import { type OptionEntry, OptionValue, decodeOptions, encodeOptions, validateOptions } from './user-headers.js';
import { WireError } from './wire-error.js';
import { Status } from './status.js';

/** `CompressionAlgorithm` codes. */
export const Compression = { none: 1, gzip: 2 } as const;

/** Topic option keys accepted by CreateTopic (iggy_common topic_option_keys). */
export const TopicOptionKey = {
  compressionAlgorithm: 'compression_algorithm',
  messageExpiry: 'message_expiry',
  maxTopicSize: 'max_topic_size',
  segmentSize: 'segment_size',
  durability: 'durability',
  consumerOffsetDurability: 'consumer_offset_durability',
  messagesRequiredToSave: 'messages_required_to_save',
  sizeOfMessagesRequiredToSave: 'size_of_messages_required_to_save',
  preallocateSegments: 'preallocate_segments',
} as const;
const KNOWN_TOPIC_KEYS = new Set<string>(Object.values(TopicOptionKey));

/** Expiry and size that mean "never" / "unlimited". */
export const NEVER = 0xffff_ffff_ffff_ffffn;

export interface TopicOptions {
  compression?: keyof typeof Compression;
  /** µs; NEVER for no expiry. */
  messageExpiry?: bigint;
  /** bytes; NEVER for unlimited. */
  maxTopicSize?: bigint;
  durability?: 'replicated' | 'persisted';
  consumerOffsetDurability?: 'replicated' | 'persisted';
}

/** Encodes typed topic options in the kinds the 0.11.0 SDK uses (strings, u64). */
export function encodeTopicOptions(o: TopicOptions): Buffer {
  const entries: OptionEntry[] = [];
  if (o.compression !== undefined) entries.push({ key: TopicOptionKey.compressionAlgorithm, ...OptionValue.string(o.compression) });
  if (o.messageExpiry !== undefined) entries.push({ key: TopicOptionKey.messageExpiry, ...OptionValue.u64(o.messageExpiry) });
  if (o.maxTopicSize !== undefined) entries.push({ key: TopicOptionKey.maxTopicSize, ...OptionValue.u64(o.maxTopicSize) });
  if (o.durability !== undefined) entries.push({ key: TopicOptionKey.durability, ...OptionValue.string(o.durability) });
  if (o.consumerOffsetDurability !== undefined)
    entries.push({ key: TopicOptionKey.consumerOffsetDurability, ...OptionValue.string(o.consumerOffsetDurability) });
  return encodeOptions(entries);
}

/** What a server resolves from a CreateTopic options block; unknown keys are refused with 4041. */
export interface ResolvedTopicOptions {
  compression: number;
  messageExpiry: bigint;
  maxTopicSize: bigint;
}

function u64Value(e: OptionEntry): bigint {
  if (e.kind === 12 && e.value.length === 8) return e.value.readBigUInt64LE(0);
  if (e.kind === 11 && e.value.length === 4) return BigInt(e.value.readUInt32LE(0));
  if (e.kind === 2) {
    const text = e.value.toString('utf8').trim().toLowerCase();
    if (text === 'none' || text === 'unlimited' || text === 'never_expire' || text === '0') return NEVER;
    if (/^\d+$/.test(text)) return BigInt(text);
  }
  throw new WireError(`Invalid option value for key: ${e.key}`, { status: Status.InvalidOptionValue });
}

export function resolveTopicOptions(block: Buffer): ResolvedTopicOptions {
  const out: ResolvedTopicOptions = { compression: Compression.none, messageExpiry: NEVER, maxTopicSize: NEVER };
  for (const e of decodeOptions(block)) {
    if (!KNOWN_TOPIC_KEYS.has(e.key)) throw new WireError(`Unsupported option key: ${e.key}`, { status: Status.UnsupportedOptionKey });
    if (e.key === TopicOptionKey.compressionAlgorithm) {
      const name = e.value.toString('utf8');
      if (e.kind !== 2 || (name !== 'none' && name !== 'gzip'))
        throw new WireError(`Invalid option value for key: ${e.key}`, { status: Status.InvalidOptionValue });
      out.compression = Compression[name];
    } else if (e.key === TopicOptionKey.messageExpiry) {
      const v = u64Value(e);
      out.messageExpiry = v === 0n ? NEVER : v;
    } else if (e.key === TopicOptionKey.maxTopicSize) {
      const v = u64Value(e);
      out.maxTopicSize = v === 0n ? NEVER : v;
    }
  }
  return out;
}

/** CreateTopic (302): `[stream_id][partitions_count:u32][name][options block to the end]`. */
export interface CreateTopicRequest {
  streamId: Identifier;
  partitionsCount: number;
  name: string;
  options?: Buffer;
}

export function encodeCreateTopic(a: CreateTopicRequest): Buffer {
  const w = new WireWriter(64);
  writeIdentifier(w, a.streamId, 'stream id');
  w.u32(a.partitionsCount).name(a.name, 'topic name');
  if (a.options) w.bytes(a.options);
  return w.finish();
}

export function decodeCreateTopic(body: Buffer): Required<CreateTopicRequest> {
  const r = new WireReader(body);
  const streamId = readIdentifier(r, 'stream id');
  const partitionsCount = r.u32('partitions count');
  const name = r.name('topic name');
  const options = r.rest();
  validateOptions(options);
  return { streamId, partitionsCount, name, options };
}

/** GetTopic (300), DeleteTopic (303), PurgeTopic (305): stream and topic identifiers. */
export function encodeTopicRef(streamId: Identifier, topicId: Identifier): Buffer {
  const w = new WireWriter(32);
  writeIdentifier(w, streamId, 'stream id');
  writeIdentifier(w, topicId, 'topic id');
  return w.finish();
}

export function decodeTopicRef(body: Buffer): { streamId: Identifier; topicId: Identifier } {
  const r = new WireReader(body);
  return { streamId: readIdentifier(r, 'stream id'), topicId: readIdentifier(r, 'topic id') };
}

/** `TopicHeader`: the topic part of GetTopic, GetTopics and GetStream replies. */
export interface TopicInfo {
  id: number;
  createdAt: bigint;
  partitionsCount: number;
  messageExpiry: bigint;
  compressionAlgorithm: number;
  maxTopicSize: bigint;
  sizeBytes: bigint;
  messagesCount: bigint;
  name: string;
  options: Buffer;
  derivedOptions: Buffer;
}

export function writeTopicInfo(w: WireWriter, t: TopicInfo): void {
  w.u32(t.id).u64(t.createdAt).u32(t.partitionsCount).u64(t.messageExpiry).u8(t.compressionAlgorithm).u64(t.maxTopicSize).u64(t.sizeBytes).u64(t.messagesCount);
  w.name(t.name, 'topic name');
  w.u32(t.options.length).bytes(t.options);
  w.u32(t.derivedOptions.length).bytes(t.derivedOptions);
}

export function readTopicInfo(r: WireReader): TopicInfo {
  const id = r.u32('topic id');
  const createdAt = r.u64('created at');
  const partitionsCount = r.u32('partitions count');
  const messageExpiry = r.u64('message expiry');
  const compressionAlgorithm = r.u8('compression algorithm');
  const maxTopicSize = r.u64('max topic size');
  const sizeBytes = r.u64('size bytes');
  const messagesCount = r.u64('messages count');
  const name = r.name('topic name');
  const options = r.bytes(r.u32('options length'), 'options');
  const derivedOptions = r.bytes(r.u32('derived options length'), 'derived options');
  return { id, createdAt, partitionsCount, messageExpiry, compressionAlgorithm, maxTopicSize, sizeBytes, messagesCount, name, options, derivedOptions };
}

export interface PartitionInfo {
  id: number;
  createdAt: bigint;
  segmentsCount: number;
  currentOffset: bigint;
  sizeBytes: bigint;
  messagesCount: bigint;
}

export interface TopicDetails {
  topic: TopicInfo;
  partitions: PartitionInfo[];
}

/** GetTopic / CreateTopic reply payload: the topic header, then `partitions_count` partitions of 40 bytes. */
export function encodeTopicDetails(d: TopicDetails): Buffer {
  const w = new WireWriter(128 + d.partitions.length * 40);
  writeTopicInfo(w, { ...d.topic, partitionsCount: d.partitions.length });
  for (const p of d.partitions) w.u32(p.id).u64(p.createdAt).u32(p.segmentsCount).u64(p.currentOffset).u64(p.sizeBytes).u64(p.messagesCount);
  return w.finish();
}

export function decodeTopicDetails(payload: Buffer): TopicDetails {
  const r = new WireReader(payload);
  const topic = readTopicInfo(r);
  const partitions: PartitionInfo[] = [];
  for (let i = 0; i < topic.partitionsCount; i++) {
    partitions.push({
      id: r.u32('partition id'),
      createdAt: r.u64('created at'),
      segmentsCount: r.u32('segments count'),
      currentOffset: r.u64('current offset'),
      sizeBytes: r.u64('size bytes'),
      messagesCount: r.u64('messages count'),
    });
  }
  return { topic, partitions };
}

/** GetTopics (301) reply payload: `[count:u32]` then topic headers. */
export function encodeTopics(topics: readonly TopicInfo[]): Buffer {
  const w = new WireWriter(128).u32(topics.length);
  for (const t of topics) writeTopicInfo(w, t);
  return w.finish();
}

export function decodeTopics(payload: Buffer): TopicInfo[] {
  const r = new WireReader(payload);
  const count = r.u32('topics count');
  const out: TopicInfo[] = [];
  for (let i = 0; i < count; i++) out.push(readTopicInfo(r));
  return out;
}
