// Numbers of Iggy's binary protocol 0.11.0: header commands, operations, command codes,
// eviction reasons, the packed protocol version, and which operations carry a result section.

export const HEADER_SIZE = 256;
/** Offset of the u32 `size` (header + body) shared by every 256-byte header. */
export const SIZE_OFFSET = 48;
/** Offset of the `command` byte shared by every 256-byte header. */
export const COMMAND_OFFSET = 60;

/** `consensus::Command`: the kinds of 256-byte frame a client sees. */
export const Command = { Request: 5, Reply: 8, Eviction: 13 } as const;

/** `consensus::Operation` (u8 in request and reply headers). */
export const Operation = {
  Reserved: 0,
  Register: 1,
  NonReplicated: 2,
  Logout: 3,
  CreateTopicWithAssignments: 64,
  CreatePartitionsWithAssignments: 65,
  CreateStream: 128,
  UpdateStream: 129,
  DeleteStream: 130,
  PurgeStream: 131,
  CreateTopic: 132,
  UpdateTopic: 133,
  DeleteTopic: 134,
  PurgeTopic: 135,
  CreatePartitions: 136,
  DeletePartitions: 137,
  DeleteSegments: 138,
  CreateConsumerGroup: 139,
  DeleteConsumerGroup: 140,
  CreateUser: 141,
  UpdateUser: 142,
  DeleteUser: 143,
  ChangePassword: 144,
  UpdatePermissions: 145,
  CreatePersonalAccessToken: 146,
  DeletePersonalAccessToken: 147,
  JoinConsumerGroup: 148,
  LeaveConsumerGroup: 149,
  SendMessages: 160,
  StoreConsumerOffset: 161,
  DeleteConsumerOffset: 162,
} as const;

/** Command codes (`codes.rs`). */
export const Code = {
  Ping: 1,
  GetStats: 10,
  GetClusterMetadata: 12,
  GetMe: 20,
  GetClient: 21,
  GetClients: 22,
  LogoutUser: 39,
  LoginRegister: 40,
  CreatePersonalAccessToken: 42,
  DeletePersonalAccessToken: 43,
  LoginRegisterWithPat: 45,
  PollMessages: 100,
  SendMessages: 101,
  FlushUnsavedBuffer: 102,
  GetConsumerOffset: 120,
  StoreConsumerOffset: 121,
  DeleteConsumerOffset: 122,
  GetStream: 200,
  GetStreams: 201,
  CreateStream: 202,
  DeleteStream: 203,
  UpdateStream: 204,
  PurgeStream: 205,
  GetTopic: 300,
  GetTopics: 301,
  CreateTopic: 302,
  DeleteTopic: 303,
  UpdateTopic: 304,
  PurgeTopic: 305,
  CreatePartitions: 402,
  DeletePartitions: 403,
  DeleteSegments: 503,
  GetConsumerGroup: 600,
  GetConsumerGroups: 601,
  CreateConsumerGroup: 602,
  DeleteConsumerGroup: 603,
  JoinConsumerGroup: 604,
  LeaveConsumerGroup: 605,
  SyncConsumerGroup: 606,
} as const;

/** Replicated commands and their operation (`dispatch.rs`); every other code travels as NonReplicated. */
const REPLICATED: ReadonlyArray<readonly [code: number, operation: number]> = [
  [33, 141],
  [34, 143],
  [35, 142],
  [36, 145],
  [37, 144],
  [Code.CreatePersonalAccessToken, Operation.CreatePersonalAccessToken],
  [Code.DeletePersonalAccessToken, Operation.DeletePersonalAccessToken],
  [Code.SendMessages, Operation.SendMessages],
  [Code.StoreConsumerOffset, Operation.StoreConsumerOffset],
  [Code.DeleteConsumerOffset, Operation.DeleteConsumerOffset],
  [Code.CreateStream, Operation.CreateStream],
  [Code.DeleteStream, Operation.DeleteStream],
  [Code.UpdateStream, Operation.UpdateStream],
  [Code.PurgeStream, Operation.PurgeStream],
  [Code.CreateTopic, Operation.CreateTopic],
  [Code.DeleteTopic, Operation.DeleteTopic],
  [Code.UpdateTopic, Operation.UpdateTopic],
  [Code.PurgeTopic, Operation.PurgeTopic],
  [Code.CreatePartitions, Operation.CreatePartitions],
  [Code.DeletePartitions, Operation.DeletePartitions],
  [Code.DeleteSegments, Operation.DeleteSegments],
  [Code.CreateConsumerGroup, Operation.CreateConsumerGroup],
  [Code.DeleteConsumerGroup, Operation.DeleteConsumerGroup],
  [Code.JoinConsumerGroup, Operation.JoinConsumerGroup],
  [Code.LeaveConsumerGroup, Operation.LeaveConsumerGroup],
];
const OPERATION_BY_CODE = new Map<number, number>(REPLICATED);
const CODE_BY_OPERATION = new Map<number, number>(REPLICATED.map(([c, o]) => [o, c]));

/** The header operation a request with this command code travels under (as the 0.11.0 SDK picks it). */
export function operationForCode(code: number): number {
  if (code === Code.LoginRegister || code === Code.LoginRegisterWithPat) return Operation.Register;
  if (code === Code.LogoutUser) return Operation.Logout;
  return OPERATION_BY_CODE.get(code) ?? Operation.NonReplicated;
}

/** The command code of a replicated operation, or undefined (Register, Logout, NonReplicated carry none). */
export function codeForOperation(operation: number): number | undefined {
  return CODE_BY_OPERATION.get(operation);
}

/** Metadata operations: internal ones (64..127) and the replicated metadata commands. */
export function isMetadataOperation(operation: number): boolean {
  if (operation >= 64 && operation < 128) return true;
  return operation >= Operation.CreateStream && operation <= Operation.LeaveConsumerGroup && operation !== Operation.DeleteSegments;
}

/** Partition-plane operations (SendMessages and the consumer-offset writes). */
export const isPartitionOperation = (operation: number): boolean => operation >= Operation.SendMessages;

/**
 * Whether a reply to this operation starts with a result section (`[count:u32]` then
 * `count` × `[index:u32][code:u32]`, then the payload). A Register reply is framed too
 * when its body is not empty.
 */
export function isResultFramed(operation: number): boolean {
  return isMetadataOperation(operation) || operation === Operation.StoreConsumerOffset || operation === Operation.DeleteConsumerOffset;
}

/** `EvictionReason` (byte 255 of an Eviction frame). */
export const EvictionReason = {
  NoSession: 1,
  InvalidRequestOperation: 4,
  InvalidRequestBody: 5,
  InvalidRequestBodySize: 6,
  InvalidCredentials: 9,
  InvalidToken: 10,
  UserInactive: 11,
  SessionError: 12,
  StaleClient: 13,
  IncompatibleProtocol: 14,
  MalformedLogin: 15,
} as const;

/** Packs semver into the protocol's u32: 10 bits each, `major<<20 | minor<<10 | patch`. */
export function packVersion(major: number, minor: number, patch: number): number {
  for (const part of [major, minor, patch]) {
    if (!Number.isInteger(part) || part < 0 || part > 1023) throw new RangeError(`version component ${part} is outside 0..1023`);
  }
  return ((major << 20) | (minor << 10) | patch) >>> 0;
}

export function formatVersion(packed: number): string {
  return `${packed >>> 20}.${(packed >>> 10) & 1023}.${packed & 1023}`;
}

/** The protocol this codec speaks: iggy_binary_protocol 0.11.0. */
export const PROTOCOL_VERSION = packVersion(0, 11, 0);
/** Oldest accepted at login: the current version with patch zeroed. */
export const PROTOCOL_VERSION_MIN = PROTOCOL_VERSION & ~1023;

/** The server's login gate: at least MIN, and major.minor not newer than ours. */
export function isProtocolCompatible(clientVersion: number): boolean {
  return clientVersion >= PROTOCOL_VERSION_MIN && clientVersion >>> 10 <= PROTOCOL_VERSION >>> 10;
}
