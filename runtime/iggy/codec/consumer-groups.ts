// Consumer group bodies (requests/consumer_groups, responses/consumer_groups).
import { WireReader, WireWriter } from './cursor.js';
import { type Identifier, readIdentifier, writeIdentifier } from './primitives.js';

/** CreateConsumerGroup (602): `[stream_id][topic_id][name]`. */
export function encodeCreateConsumerGroup(a: { streamId: Identifier; topicId: Identifier; name: string }): Buffer {
  const w = new WireWriter(48);
  writeIdentifier(w, a.streamId, 'stream id');
  writeIdentifier(w, a.topicId, 'topic id');
  return w.name(a.name, 'consumer group name').finish();
}

export function decodeCreateConsumerGroup(body: Buffer): { streamId: Identifier; topicId: Identifier; name: string } {
  const r = new WireReader(body);
  return { streamId: readIdentifier(r, 'stream id'), topicId: readIdentifier(r, 'topic id'), name: r.name('consumer group name') };
}

export interface GroupRef {
  streamId: Identifier;
  topicId: Identifier;
  groupId: Identifier;
}

/** Get (600), Delete (603), Join (604), Leave (605), Sync (606): `[stream_id][topic_id][group_id]`. */
export function encodeGroupRef(a: GroupRef): Buffer {
  const w = new WireWriter(48);
  writeIdentifier(w, a.streamId, 'stream id');
  writeIdentifier(w, a.topicId, 'topic id');
  writeIdentifier(w, a.groupId, 'group id');
  return w.finish();
}

export function decodeGroupRef(body: Buffer): GroupRef {
  const r = new WireReader(body);
  return { streamId: readIdentifier(r, 'stream id'), topicId: readIdentifier(r, 'topic id'), groupId: readIdentifier(r, 'group id') };
}

/** GetConsumerGroups (601) request: `[stream_id][topic_id]` (same bytes as a topic ref). */
export { encodeTopicRef as encodeGroupsOfTopic, decodeTopicRef as decodeGroupsOfTopic } from './topics.js';

export interface ConsumerGroupInfo {
  id: number;
  partitionsCount: number;
  membersCount: number;
  name: string;
}

export interface ConsumerGroupMember {
  /** The member's client id. */
  id: number;
  partitions: number[];
}

export interface ConsumerGroupDetails {
  group: ConsumerGroupInfo;
  members: ConsumerGroupMember[];
}

function writeGroupInfo(w: WireWriter, g: ConsumerGroupInfo): void {
  w.u32(g.id).u32(g.partitionsCount).u32(g.membersCount).name(g.name, 'consumer group name');
}

function readGroupInfo(r: WireReader): ConsumerGroupInfo {
  return { id: r.u32('group id'), partitionsCount: r.u32('partitions count'), membersCount: r.u32('members count'), name: r.name('consumer group name') };
}

/** GetConsumerGroup / CreateConsumerGroup reply payload. */
export function encodeGroupDetails(d: ConsumerGroupDetails): Buffer {
  const w = new WireWriter(64);
  writeGroupInfo(w, { ...d.group, membersCount: d.members.length });
  for (const m of d.members) {
    w.u32(m.id).u32(m.partitions.length);
    for (const p of m.partitions) w.u32(p);
  }
  return w.finish();
}

export function decodeGroupDetails(payload: Buffer): ConsumerGroupDetails {
  const r = new WireReader(payload);
  const group = readGroupInfo(r);
  const members: ConsumerGroupMember[] = [];
  for (let i = 0; i < group.membersCount; i++) {
    const id = r.u32('member id');
    const count = r.u32('member partitions count');
    r.need(count * 4, 'member partitions');
    const partitions: number[] = [];
    for (let j = 0; j < count; j++) partitions.push(r.u32());
    members.push({ id, partitions });
  }
  return { group, members };
}

/** GetConsumerGroups reply payload: group entries back to back, no count. */
export function encodeGroups(groups: readonly ConsumerGroupInfo[]): Buffer {
  const w = new WireWriter(64);
  for (const g of groups) writeGroupInfo(w, g);
  return w.finish();
}

export function decodeGroups(payload: Buffer): ConsumerGroupInfo[] {
  const r = new WireReader(payload);
  const out: ConsumerGroupInfo[] = [];
  while (r.remaining > 0) out.push(readGroupInfo(r));
  return out;
}

export interface GroupAssignment {
  generation: bigint;
  partitions: number[];
}

/** SyncConsumerGroup reply payload: `[generation:u64][count:u32][partition_id:u32]…`; empty = not a member. */
export function encodeGroupAssignment(a: GroupAssignment): Buffer {
  const w = new WireWriter(16 + a.partitions.length * 4).u64(a.generation).u32(a.partitions.length);
  for (const p of a.partitions) w.u32(p);
  return w.finish();
}

export function decodeGroupAssignment(payload: Buffer): GroupAssignment | undefined {
  if (payload.length === 0) return undefined;
  const r = new WireReader(payload);
  const generation = r.u64('generation');
  const count = r.u32('partitions count');
  r.need(count * 4, 'partitions');
  const partitions: number[] = [];
  for (let i = 0; i < count; i++) partitions.push(r.u32());
  return { generation, partitions };
}
