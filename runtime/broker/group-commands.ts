// Consumer groups: create/get/list/delete, join/leave (members are connections) and the
// assignment sync the 0.11 SDK polls with. Every membership change rebalances the group.
import {
  Status,
  decodeCreateConsumerGroup,
  decodeGroupRef,
  decodeGroupsOfTopic,
  encodeGroupAssignment,
  encodeGroupDetails,
  encodeGroups,
  resultOk,
  type ConsumerGroupDetails,
} from '../iggy/codec/index.js';
import { BrokerError } from './broker-error.js';
import { type Group, type Topic, rebalance } from './catalog.js';
import type { BrokerContext, Connection, Outcome } from './context.js';

export function groupDetails(topic: Topic, group: Group): ConsumerGroupDetails {
  return {
    group: { id: group.id, partitionsCount: topic.partitions.length, membersCount: group.members.size, name: group.name },
    members: [...group.members].map(([id, partitions]) => ({ id, partitions })),
  };
}

export function createGroup(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeCreateConsumerGroup(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  const group = ctx.catalog.createGroup(topic, req.name);
  return { body: resultOk(encodeGroupDetails(groupDetails(topic, group))) };
}

export function getGroup(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeGroupRef(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  let group: Group;
  try {
    group = ctx.catalog.group(topic, req.groupId);
  } catch {
    return {};
  }
  return { body: encodeGroupDetails(groupDetails(topic, group)) };
}

export function listGroups(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeGroupsOfTopic(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  return {
    body: encodeGroups(
      [...topic.groups.values()].map((g) => ({ id: g.id, partitionsCount: topic.partitions.length, membersCount: g.members.size, name: g.name })),
    ),
  };
}

export function deleteGroup(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeGroupRef(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  const group = ctx.catalog.group(topic, req.groupId);
  for (const conn of ctx.connections.values()) conn.memberships = conn.memberships.filter((m) => m.group !== group);
  ctx.catalog.deleteGroup(topic, group.id);
  return { body: resultOk() };
}

export function joinGroup(ctx: BrokerContext, conn: Connection, body: Buffer): Outcome {
  const req = decodeGroupRef(body);
  const stream = ctx.catalog.stream(req.streamId);
  const topic = ctx.catalog.topic(stream.id, req.topicId);
  const group = ctx.catalog.group(topic, req.groupId);
  if (!group.members.has(conn.id)) {
    group.members.set(conn.id, []);
    conn.memberships.push({ stream, topic, group });
    rebalance(group, topic.partitions.length);
    ctx.logger.debug({ client: conn.id, group: group.name, generation: String(group.generation) }, 'consumer group member joined');
  }
  return { body: resultOk() };
}

function removeMember(conn: Connection, topic: Topic, group: Group): void {
  group.members.delete(conn.id);
  conn.memberships = conn.memberships.filter((m) => m.group !== group);
  conn.groupCursor.delete(group);
  rebalance(group, topic.partitions.length);
}

export function leaveGroup(ctx: BrokerContext, conn: Connection, body: Buffer): Outcome {
  const req = decodeGroupRef(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  const group = ctx.catalog.group(topic, req.groupId);
  if (!group.members.has(conn.id)) {
    throw new BrokerError(
      Status.ConsumerGroupMemberNotFound,
      `Consumer group member with client ID: ${conn.id} for group with ID: ${group.id} for topic with ID: ${topic.id} was not found.`,
    );
  }
  removeMember(conn, topic, group);
  return { body: resultOk() };
}

/** SyncConsumerGroup (606): the member's generation and partitions; empty when not a member. */
export function syncGroup(ctx: BrokerContext, conn: Connection, body: Buffer): Outcome {
  const req = decodeGroupRef(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  const group = ctx.catalog.group(topic, req.groupId);
  const partitions = group.members.get(conn.id);
  if (!partitions) return {};
  return { body: encodeGroupAssignment({ generation: group.generation, partitions }) };
}

/** Called on logout and disconnect: a member that goes away hands its partitions to the others. */
export function leaveAllGroups(ctx: BrokerContext, conn: Connection): void {
  for (const m of [...conn.memberships]) {
    removeMember(conn, m.topic, m.group);
    ctx.logger.debug({ client: conn.id, group: m.group.name }, 'consumer group member left');
  }
}
