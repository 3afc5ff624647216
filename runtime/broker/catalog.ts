// The dev broker's metadata: streams, topics (with their partition logs), consumer groups and
// stored consumer offsets, addressed by numeric id (0-based, like Iggy's slab keys) or by name.
// With a data dir, metadata.json is rewritten after every metadata change, stored offsets are
// appended to offsets.log in between (cheap per commit), and partitions live in their own files.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Status, type Identifier } from '../iggy/codec/index.js';
import { BrokerError, BrokerStorageError } from './broker-error.js';
import { PartitionLog } from './partition-log.js';

export interface Group {
  id: number;
  name: string;
  /** Member client id → assigned partitions; insertion order is join order. */
  members: Map<number, number[]>;
  generation: bigint;
}

export interface Topic {
  id: number;
  name: string;
  createdAt: bigint;
  compression: number;
  messageExpiry: bigint;
  maxTopicSize: bigint;
  /** The options block as the client sent it. */
  options: Buffer;
  partitions: PartitionLog[];
  groups: Map<number, Group>;
  nextGroupId: number;
  /** `c:<id>` (consumer) or `g:<group id>` → partition → stored offset. */
  offsets: Map<string, Map<number, number>>;
  balancedCursor: number;
}

export interface Stream {
  id: number;
  name: string;
  createdAt: bigint;
  topics: Map<number, Topic>;
  nextTopicId: number;
}

const nowMicros = (): bigint => BigInt(Date.now()) * 1000n;

interface SavedTopic {
  id: number;
  name: string;
  createdAt: string;
  partitions: number;
  compression: number;
  messageExpiry: string;
  maxTopicSize: string;
  options: string;
  groups: Array<{ id: number; name: string }>;
  nextGroupId: number;
  offsets: Record<string, Record<string, number>>;
}
interface SavedStream {
  id: number;
  name: string;
  createdAt: string;
  nextTopicId: number;
  topics: SavedTopic[];
}
interface SavedCatalog {
  version: 1;
  nextStreamId: number;
  streams: SavedStream[];
}

/** One line of offsets.log: a stored offset, or a deletion (`o` null). */
interface OffsetLine {
  s: number;
  t: number;
  k: string;
  p: number;
  o: number | null;
}

export class Catalog {
  readonly streams = new Map<number, Stream>();
  private nextStreamId = 0;
  private offsetsFd: number | undefined;

  private constructor(private readonly dataDir: string | undefined) {}

  static inMemory(): Catalog {
    return new Catalog(undefined);
  }

  /** Loads (or initialises) the catalog kept in `dataDir`. */
  static open(dataDir: string): Catalog {
    const catalog = new Catalog(dataDir);
    try {
      mkdirSync(join(dataDir, 'partitions'), { recursive: true });
    } catch (cause) {
      throw new BrokerStorageError(`cannot create the data dir ${dataDir}: check the path and its permissions`, { cause });
    }
    const file = join(dataDir, 'metadata.json');
    if (existsSync(file)) catalog.load(file);
    catalog.replayOffsets(join(dataDir, 'offsets.log'));
    return catalog;
  }

  private load(file: string): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the restore code below reads as the static loader's (which names it `catalog`)
    const catalog = this;
    let saved: SavedCatalog;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as SavedCatalog;
    } catch (cause) {
      throw new BrokerStorageError(`cannot read ${file}: remove the data dir to start empty`, { cause });
    }
    catalog.nextStreamId = saved.nextStreamId;
    for (const s of saved.streams) {
      const stream: Stream = { id: s.id, name: s.name, createdAt: BigInt(s.createdAt), topics: new Map(), nextTopicId: s.nextTopicId };
      for (const t of s.topics) {
        const topic: Topic = {
          id: t.id,
          name: t.name,
          createdAt: BigInt(t.createdAt),
          compression: t.compression,
          messageExpiry: BigInt(t.messageExpiry),
          maxTopicSize: BigInt(t.maxTopicSize),
          options: Buffer.from(t.options, 'base64'),
          partitions: [],
          groups: new Map(t.groups.map((g) => [g.id, { id: g.id, name: g.name, members: new Map(), generation: 0n }])),
          nextGroupId: t.nextGroupId,
          offsets: new Map(Object.entries(t.offsets).map(([k, v]) => [k, new Map(Object.entries(v).map(([p, o]) => [Number(p), o]))])),
          balancedCursor: 0,
        };
        for (let p = 0; p < t.partitions; p++) topic.partitions.push(PartitionLog.openFile(p, catalog.partitionFile(s.id, t.id, p)));
        stream.topics.set(t.id, topic);
      }
      catalog.streams.set(s.id, stream);
    }
  }

  /** Applies offsets.log over the snapshot, then folds it into a fresh snapshot and empties it. */
  private replayOffsets(path: string): void {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      let entry: OffsetLine;
      try {
        entry = JSON.parse(line) as OffsetLine;
      } catch {
        continue; // a torn last line from a crash
      }
      const topic = this.streams.get(entry.s)?.topics.get(entry.t);
      if (!topic) continue;
      if (entry.o === null) topic.offsets.get(entry.k)?.delete(entry.p);
      else this.setOffset(topic, entry.k, entry.p, entry.o);
    }
    try {
      this.offsetsFd = openSync(path, 'a');
    } catch (cause) {
      throw new BrokerStorageError(`cannot open ${path}: check that the data dir is writable`, { cause });
    }
    this.save();
  }

  private setOffset(topic: Topic, key: string, partition: number, offset: number): void {
    let map = topic.offsets.get(key);
    if (!map) topic.offsets.set(key, (map = new Map()));
    map.set(partition, offset);
  }

  private logOffset(stream: Stream, topic: Topic, key: string, partition: number, offset: number | null): void {
    if (this.offsetsFd === undefined) return;
    const line: OffsetLine = { s: stream.id, t: topic.id, k: key, p: partition, o: offset };
    writeSync(this.offsetsFd, `${JSON.stringify(line)}\n`);
  }

  private partitionFile(streamId: number, topicId: number, partition: number): string {
    return join(this.dataDir!, 'partitions', `s${streamId}-t${topicId}-p${partition}.log`);
  }

  /** Writes metadata.json (atomically, by rename). A no-op in memory. */
  save(): void {
    if (this.dataDir === undefined) return;
    const saved: SavedCatalog = {
      version: 1,
      nextStreamId: this.nextStreamId,
      streams: [...this.streams.values()].map((s) => ({
        id: s.id,
        name: s.name,
        createdAt: String(s.createdAt),
        nextTopicId: s.nextTopicId,
        topics: [...s.topics.values()].map((t) => ({
          id: t.id,
          name: t.name,
          createdAt: String(t.createdAt),
          partitions: t.partitions.length,
          compression: t.compression,
          messageExpiry: String(t.messageExpiry),
          maxTopicSize: String(t.maxTopicSize),
          options: t.options.toString('base64'),
          groups: [...t.groups.values()].map((g) => ({ id: g.id, name: g.name })),
          nextGroupId: t.nextGroupId,
          offsets: Object.fromEntries([...t.offsets].map(([k, v]) => [k, Object.fromEntries(v)])),
        })),
      })),
    };
    const file = join(this.dataDir, 'metadata.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    renameSync(`${file}.tmp`, file);
    // The snapshot holds every offset now; replaying an older log over it would be harmless but useless.
    if (this.offsetsFd !== undefined) ftruncateSync(this.offsetsFd, 0);
  }

  stream(id: Identifier): Stream {
    if (typeof id === 'number') {
      const s = this.streams.get(id);
      if (!s) throw new BrokerError(Status.StreamIdNotFound, `Stream with ID: ${id} was not found.`);
      return s;
    }
    for (const s of this.streams.values()) if (s.name === id) return s;
    throw new BrokerError(Status.StreamNameNotFound, `Stream with name: ${id} was not found.`);
  }

  findStream(id: Identifier): Stream | undefined {
    try {
      return this.stream(id);
    } catch {
      return undefined;
    }
  }

  topic(streamId: Identifier, topicId: Identifier): Topic {
    const stream = this.stream(streamId);
    if (typeof topicId === 'number') {
      const t = stream.topics.get(topicId);
      if (!t) throw new BrokerError(Status.TopicIdNotFound, `Topic with ID: ${topicId} for stream with ID: ${stream.id} was not found.`);
      return t;
    }
    for (const t of stream.topics.values()) if (t.name === topicId) return t;
    throw new BrokerError(Status.TopicNameNotFound, `Topic with name: ${topicId} for stream with ID: ${stream.id} was not found.`);
  }

  createStream(name: string): Stream {
    for (const s of this.streams.values()) {
      if (s.name === name) throw new BrokerError(Status.StreamNameAlreadyExists, `Stream with name: ${name} already exists.`);
    }
    const stream: Stream = { id: this.nextStreamId++, name, createdAt: nowMicros(), topics: new Map(), nextTopicId: 0 };
    this.streams.set(stream.id, stream);
    this.save();
    return stream;
  }

  deleteStream(id: Identifier): void {
    const stream = this.stream(id);
    for (const t of stream.topics.values()) this.dropTopicFiles(stream, t);
    this.streams.delete(stream.id);
    this.save();
  }

  createTopic(
    streamId: Identifier,
    args: { name: string; partitions: number; compression: number; messageExpiry: bigint; maxTopicSize: bigint; options: Buffer },
  ): { stream: Stream; topic: Topic } {
    const stream = this.stream(streamId);
    for (const t of stream.topics.values()) {
      if (t.name === args.name)
        throw new BrokerError(Status.TopicNameAlreadyExists, `Topic with name: ${args.name} for stream with ID: ${stream.id} already exists.`);
    }
    const id = stream.nextTopicId++;
    const partitions: PartitionLog[] = [];
    for (let p = 0; p < args.partitions; p++) {
      partitions.push(this.dataDir === undefined ? PartitionLog.inMemory(p) : PartitionLog.openFile(p, this.partitionFile(stream.id, id, p)));
    }
    const topic: Topic = {
      id,
      name: args.name,
      createdAt: nowMicros(),
      compression: args.compression,
      messageExpiry: args.messageExpiry,
      maxTopicSize: args.maxTopicSize,
      options: Buffer.from(args.options),
      partitions,
      groups: new Map(),
      nextGroupId: 0,
      offsets: new Map(),
      balancedCursor: 0,
    };
    stream.topics.set(id, topic);
    this.save();
    return { stream, topic };
  }

  deleteTopic(streamId: Identifier, topicId: Identifier): void {
    const stream = this.stream(streamId);
    const topic = this.topic(stream.id, topicId);
    this.dropTopicFiles(stream, topic);
    stream.topics.delete(topic.id);
    this.save();
  }

  private dropTopicFiles(stream: Stream, topic: Topic): void {
    for (const log of topic.partitions) {
      log.close();
      if (this.dataDir !== undefined) rmSync(this.partitionFile(stream.id, topic.id, log.id), { force: true });
    }
  }

  group(topic: Topic, id: Identifier): Group {
    if (typeof id === 'number') {
      const g = topic.groups.get(id);
      if (!g) throw new BrokerError(Status.ConsumerGroupIdNotFound, `Consumer group with ID: ${id} for topic with ID: ${topic.id} was not found.`);
      return g;
    }
    for (const g of topic.groups.values()) if (g.name === id) return g;
    throw new BrokerError(Status.ConsumerGroupNameNotFound, `Consumer group with name: ${id} for topic with ID: ${topic.id} was not found.`);
  }

  createGroup(topic: Topic, name: string): Group {
    for (const g of topic.groups.values()) {
      if (g.name === name)
        throw new BrokerError(Status.ConsumerGroupNameAlreadyExists, `Consumer group with name: ${name} for topic with ID: ${topic.id} already exists.`);
    }
    const group: Group = { id: topic.nextGroupId++, name, members: new Map(), generation: 0n };
    topic.groups.set(group.id, group);
    this.save();
    return group;
  }

  deleteGroup(topic: Topic, id: Identifier): void {
    const group = this.group(topic, id);
    topic.groups.delete(group.id);
    topic.offsets.delete(`g:${group.id}`);
    this.save();
  }

  storeOffset(stream: Stream, topic: Topic, key: string, partition: number, offset: number): void {
    this.setOffset(topic, key, partition, offset);
    this.logOffset(stream, topic, key, partition, offset);
  }

  storedOffset(topic: Topic, key: string, partition: number): number | undefined {
    return topic.offsets.get(key)?.get(partition);
  }

  deleteOffset(stream: Stream, topic: Topic, key: string, partition: number): boolean {
    const deleted = topic.offsets.get(key)?.delete(partition) ?? false;
    if (deleted) this.logOffset(stream, topic, key, partition, null);
    return deleted;
  }

  /** Closes partition files and the offsets log. */
  close(): void {
    for (const s of this.streams.values()) for (const t of s.topics.values()) for (const p of t.partitions) p.close();
    if (this.offsetsFd !== undefined) {
      closeSync(this.offsetsFd);
      this.offsetsFd = undefined;
    }
  }
}

/** Reassigns the group's partitions round-robin over members in join order and bumps the generation. */
export function rebalance(group: Group, partitionsCount: number): void {
  const members = [...group.members.keys()];
  for (const m of members) group.members.set(m, []);
  if (members.length > 0) {
    for (let p = 0; p < partitionsCount; p++) group.members.get(members[p % members.length]!)!.push(p);
  }
  group.generation++;
}
