// What the broker's command handlers share: the catalog, the live connections and counters.
import type { Logger } from '../log/logger.js';
import type { Catalog, Group, Stream, Topic } from './catalog.js';

/** One TCP connection: a client, possibly logged in, possibly a member of consumer groups. */
export interface Connection {
  /** u32 client id reported by GetMe and used as the group member id. */
  readonly id: number;
  readonly address: string;
  /** Set once logged in. */
  userId: number | undefined;
  /** Session handed out at login (0 before). */
  session: bigint;
  /** The client's u128 id from the request header. */
  vsrClient: bigint;
  memberships: Array<{ stream: Stream; topic: Topic; group: Group }>;
  /** Round-robin position per group for polls without a partition. */
  groupCursor: Map<Group, number>;
}

export interface BrokerContext {
  readonly catalog: Catalog;
  readonly logger: Logger;
  readonly connections: ReadonlyMap<number, Connection>;
  /** Host and port as clients should dial them (cluster metadata). */
  readonly advertised: () => { host: string; port: number };
  readonly startedAt: bigint;
  /** A fresh session number (> 0, increasing, like the commit op of a Register). */
  nextSession(): bigint;
  /** The metadata commit counter after the last replicated change. */
  commit: bigint;
}

/** What a handler answers: a body (pieces are joined once) and, rarely, another operation. */
export interface Outcome {
  body?: Uint8Array | Uint8Array[];
  /** Reply operation when it differs from the request's (CreateTopic → CreateTopicWithAssignments). */
  operation?: number;
  /** A complete frame to send instead of a reply (Eviction). */
  frame?: Buffer;
}
