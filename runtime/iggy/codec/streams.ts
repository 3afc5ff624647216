// Stream request and response bodies (requests/streams, responses/streams).
import { WireReader, WireWriter } from './cursor.js';
import { type Identifier, readIdentifier, writeIdentifier } from './primitives.js';
import { validateOptions } from './user-headers.js';
import { type TopicInfo, readTopicInfo, writeTopicInfo } from './topics.js';

/** CreateStream (202): `[name][options block to the end]`. */
export function encodeCreateStream(args: { name: string; options?: Buffer }): Buffer {
  const w = new WireWriter(64).name(args.name, 'stream name');
  if (args.options) w.bytes(args.options);
  return w.finish();
}

export function decodeCreateStream(body: Buffer): { name: string; options: Buffer } {
  const r = new WireReader(body);
  const name = r.name('stream name');
  const options = r.rest();
  validateOptions(options);
  return { name, options };
}

/** GetStream (200), DeleteStream (203), PurgeStream (205), GetTopics (301): one stream identifier. */
export function encodeStreamRef(streamId: Identifier): Buffer {
  const w = new WireWriter(16);
  writeIdentifier(w, streamId, 'stream id');
  return w.finish();
}

export function decodeStreamRef(body: Buffer): { streamId: Identifier } {
  return { streamId: readIdentifier(new WireReader(body), 'stream id') };
}

export interface StreamInfo {
  id: number;
  /** µs since the epoch. */
  createdAt: bigint;
  topicsCount: number;
  sizeBytes: bigint;
  messagesCount: bigint;
  name: string;
  /** Options block as stored (may be empty). */
  options: Buffer;
}

export function writeStreamInfo(w: WireWriter, s: StreamInfo): void {
  w.u32(s.id).u64(s.createdAt).u32(s.topicsCount).u64(s.sizeBytes).u64(s.messagesCount).name(s.name, 'stream name');
  w.u32(s.options.length).bytes(s.options);
}

export function readStreamInfo(r: WireReader): StreamInfo {
  const id = r.u32('stream id');
  const createdAt = r.u64('created at');
  const topicsCount = r.u32('topics count');
  const sizeBytes = r.u64('size bytes');
  const messagesCount = r.u64('messages count');
  const name = r.name('stream name');
  const options = r.bytes(r.u32('options length'), 'options');
  return { id, createdAt, topicsCount, sizeBytes, messagesCount, name, options };
}

export interface StreamDetails {
  stream: StreamInfo;
  topics: TopicInfo[];
}

/** GetStream / CreateStream reply payload: the stream, then `topics_count` topic headers. */
export function encodeStreamDetails(d: StreamDetails): Buffer {
  const w = new WireWriter(128);
  writeStreamInfo(w, { ...d.stream, topicsCount: d.topics.length });
  for (const t of d.topics) writeTopicInfo(w, t);
  return w.finish();
}

export function decodeStreamDetails(payload: Buffer): StreamDetails {
  const r = new WireReader(payload);
  const stream = readStreamInfo(r);
  const topics: TopicInfo[] = [];
  for (let i = 0; i < stream.topicsCount; i++) topics.push(readTopicInfo(r));
  return { stream, topics };
}

/** GetStreams (201) reply payload: stream entries back to back, no count. */
export function encodeStreams(streams: readonly StreamInfo[]): Buffer {
  const w = new WireWriter(128);
  for (const s of streams) writeStreamInfo(w, s);
  return w.finish();
}

export function decodeStreams(payload: Buffer): StreamInfo[] {
  const r = new WireReader(payload);
  const out: StreamInfo[] = [];
  while (r.remaining > 0) out.push(readStreamInfo(r));
  return out;
}
