// System reply payloads: GetStats (10), GetMe (20) and GetClusterMetadata (12).
// Ping, GetStats, GetMe, GetClusterMetadata and Logout requests have empty bodies.
import { WireReader, WireWriter } from './cursor.js';

export interface Stats {
  processId: number;
  cpuUsage: number;
  totalCpuUsage: number;
  memoryUsage: bigint;
  totalMemory: bigint;
  availableMemory: bigint;
  runTime: bigint;
  startTime: bigint;
  readBytes: bigint;
  writtenBytes: bigint;
  messagesSizeBytes: bigint;
  streamsCount: number;
  topicsCount: number;
  partitionsCount: number;
  segmentsCount: number;
  messagesCount: bigint;
  clientsCount: number;
  consumerGroupsCount: number;
  hostname: string;
  osName: string;
  osVersion: string;
  kernelVersion: string;
  serverVersion: string;
  /** Packed semver, 0 when absent. */
  serverSemver: number;
  threadsCount: number;
  freeDiskSpace: bigint;
  totalDiskSpace: bigint;
}

export function encodeStats(s: Stats): Buffer {
  const w = new WireWriter(256);
  w.u32(s.processId).f32(s.cpuUsage).f32(s.totalCpuUsage).u64(s.memoryUsage).u64(s.totalMemory).u64(s.availableMemory);
  w.u64(s.runTime).u64(s.startTime).u64(s.readBytes).u64(s.writtenBytes).u64(s.messagesSizeBytes);
  w.u32(s.streamsCount).u32(s.topicsCount).u32(s.partitionsCount).u32(s.segmentsCount).u64(s.messagesCount).u32(s.clientsCount).u32(s.consumerGroupsCount);
  w.longString(s.hostname).longString(s.osName).longString(s.osVersion).longString(s.kernelVersion).longString(s.serverVersion);
  // No cache metrics: the count is zero.
  w.u32(s.serverSemver).u32(0).u32(s.threadsCount).u64(s.freeDiskSpace).u64(s.totalDiskSpace);
  return w.finish();
}

export function decodeStats(payload: Buffer): Stats {
  const r = new WireReader(payload);
  const head = {
    processId: r.u32(),
    cpuUsage: r.f32(),
    totalCpuUsage: r.f32(),
    memoryUsage: r.u64(),
    totalMemory: r.u64(),
    availableMemory: r.u64(),
    runTime: r.u64(),
    startTime: r.u64(),
    readBytes: r.u64(),
    writtenBytes: r.u64(),
    messagesSizeBytes: r.u64(),
    streamsCount: r.u32(),
    topicsCount: r.u32(),
    partitionsCount: r.u32(),
    segmentsCount: r.u32(),
    messagesCount: r.u64(),
    clientsCount: r.u32(),
    consumerGroupsCount: r.u32(),
    hostname: r.longString('hostname'),
    osName: r.longString('os name'),
    osVersion: r.longString('os version'),
    kernelVersion: r.longString('kernel version'),
    serverVersion: r.longString('server version'),
    serverSemver: r.u32('server semver'),
  };
  const cacheMetrics = r.u32('cache metrics count');
  r.bytes(cacheMetrics * 32, 'cache metrics');
  return { ...head, threadsCount: r.u32('threads count'), freeDiskSpace: r.u64('free disk space'), totalDiskSpace: r.u64('total disk space') };
}

/** Transport codes of ClientResponse. */
export const Transport = { tcp: 1, quic: 2, http: 3, websocket: 4 } as const;

export interface ClientInfo {
  clientId: number;
  userId: number;
  transport: number;
  address: string;
  /** stream/topic/group ids of the groups this client is a member of. */
  consumerGroups: Array<{ streamId: number; topicId: number; groupId: number }>;
}

/** GetMe / GetClient reply payload (`ClientDetailsResponse`). */
export function encodeClientInfo(c: ClientInfo): Buffer {
  const w = new WireWriter(64).u32(c.clientId).u32(c.userId).u8(c.transport).longString(c.address).u32(c.consumerGroups.length);
  for (const g of c.consumerGroups) w.u32(g.streamId).u32(g.topicId).u32(g.groupId);
  return w.finish();
}

export function decodeClientInfo(payload: Buffer): ClientInfo {
  const r = new WireReader(payload);
  const clientId = r.u32('client id');
  const userId = r.u32('user id');
  const transport = r.u8('transport');
  const address = r.longString('address');
  const count = r.u32('consumer groups count');
  const consumerGroups: ClientInfo['consumerGroups'] = [];
  for (let i = 0; i < count; i++) consumerGroups.push({ streamId: r.u32(), topicId: r.u32(), groupId: r.u32() });
  return { clientId, userId, transport, address, consumerGroups };
}

export interface ClusterNode {
  name: string;
  ip: string;
  tcpPort: number;
  quicPort: number;
  httpPort: number;
  websocketPort: number;
  role: number;
  status: number;
}

export interface ClusterMetadata {
  name: string;
  nodes: ClusterNode[];
}

/** Node role and status codes as a single-node server reports them. */
export const NodeRole = { leader: 0, follower: 1 } as const;
export const NodeStatus = { healthy: 0 } as const;

export function encodeClusterMetadata(m: ClusterMetadata): Buffer {
  const w = new WireWriter(128).longString(m.name).u32(m.nodes.length);
  for (const n of m.nodes) w.longString(n.name).longString(n.ip).u16(n.tcpPort).u16(n.quicPort).u16(n.httpPort).u16(n.websocketPort).u8(n.role).u8(n.status);
  return w.finish();
}

export function decodeClusterMetadata(payload: Buffer): ClusterMetadata {
  const r = new WireReader(payload);
  const name = r.longString('cluster name');
  const count = r.u32('nodes count');
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push({
      name: r.longString('node name'),
      ip: r.longString('node ip'),
      tcpPort: r.u16(),
      quicPort: r.u16(),
      httpPort: r.u16(),
      websocketPort: r.u16(),
      role: r.u8(),
      status: r.u8(),
    });
  }
  return { name, nodes };
}

/** GetClient (21) request: `[client_id:u32]`. */
export const encodeGetClient = (clientId: number): Buffer => new WireWriter(4).u32(clientId).finish();
export const decodeGetClient = (body: Buffer): number => new WireReader(body).u32('client id');

/** GetClients (22) reply payload: client entries (without their groups) back to back, no count. */
export function encodeClients(clients: readonly ClientInfo[]): Buffer {
  const w = new WireWriter(64 * Math.max(1, clients.length));
  for (const c of clients) w.u32(c.clientId).u32(c.userId).u8(c.transport).longString(c.address).u32(c.consumerGroups.length);
  return w.finish();
}

export function decodeClients(payload: Buffer): Array<Omit<ClientInfo, 'consumerGroups'> & { consumerGroupsCount: number }> {
  const r = new WireReader(payload);
  const out: Array<Omit<ClientInfo, 'consumerGroups'> & { consumerGroupsCount: number }> = [];
  while (r.remaining > 0) {
    out.push({
      clientId: r.u32('client id'),
      userId: r.u32('user id'),
      transport: r.u8('transport'),
      address: r.longString('address'),
      consumerGroupsCount: r.u32('consumer groups count'),
    });
  }
  return out;
}
