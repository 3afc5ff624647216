// The 256-byte consensus headers a client and server exchange: Request (client → server),
// Reply and Eviction (server → client). Layouts from iggy_binary_protocol 0.11.0 consensus/header.rs.
import { xxh3 } from '@node-rs/xxhash';
import { Command, COMMAND_OFFSET, HEADER_SIZE, Operation, SIZE_OFFSET, codeForOperation, isPartitionOperation, operationForCode, Code } from './protocol.js';
import { WireError } from './wire-error.js';

/** Field offsets shared by all headers (GenericHeader). */
const H = { checksum: 0, checksumBody: 16, cluster: 32, size: SIZE_OFFSET, view: 52, release: 56, command: COMMAND_OFFSET, replica: 61 } as const;
/** RequestHeader offsets past the 128-byte frame part. */
export const RequestOffsets = {
  client: 128,
  requestChecksum: 144,
  timestamp: 160,
  request: 168,
  operation: 176,
  session: 184,
  userId: 192,
  reserved: 196,
} as const;
/** ReplyHeader offsets. */
export const ReplyOffsets = {
  requestChecksum: 128,
  context: 144,
  client: 160,
  op: 176,
  commit: 184,
  timestamp: 192,
  request: 200,
  operation: 208,
  status: 216,
} as const;
/** EvictionHeader offsets. */
export const EvictionOffsets = { client: 128, serverProtocolVersion: 144, serverProtocolVersionMin: 148, reason: 255 } as const;

const U64 = 0xffff_ffff_ffff_ffffn;

const readU128 = (b: Buffer, at: number): bigint => b.readBigUInt64LE(at) | (b.readBigUInt64LE(at + 8) << 64n);
const writeU128 = (b: Buffer, at: number, v: bigint): void => {
  b.writeBigUInt64LE(v & U64, at);
  b.writeBigUInt64LE((v >> 64n) & U64, at + 8);
};

export interface RequestHeader {
  size: number;
  client: bigint;
  requestChecksum: bigint;
  timestamp: bigint;
  request: bigint;
  operation: number;
  session: bigint;
  userId: number;
  /**
   * The command code: read from `reserved[0..4]` for NonReplicated, derived from the operation for
   * replicated ones; LoginRegister for Register and LogoutUser for Logout.
   */
  code: number;
}

export interface RequestFields {
  client: bigint;
  request: bigint;
  session: bigint;
  code: number;
  /** Defaults to what the 0.11.0 SDK stamps: XXH3-64 of the body for metadata/session ops, 0 for partition and NonReplicated. */
  requestChecksum?: bigint;
}

/** Size of a request frame, for callers that preallocate: header + body. */
export const requestSize = (bodyLength: number): number => HEADER_SIZE + bodyLength;

/**
 * Writes a request header into `target[at..at+256]` for a body of `bodyLength` bytes that the caller
 * places right after it. The body must already be there when the default request checksum is wanted.
 */
export function writeRequestHeader(target: Buffer, at: number, fields: RequestFields, bodyLength: number): void {
  const operation = operationForCode(fields.code);
  target.fill(0, at, at + HEADER_SIZE);
  target.writeUInt32LE(HEADER_SIZE + bodyLength, at + H.size);
  target[at + H.command] = Command.Request;
  writeU128(target, at + RequestOffsets.client, fields.client);
  let checksum = fields.requestChecksum;
  if (checksum === undefined) {
    checksum =
      operation === Operation.NonReplicated || isPartitionOperation(operation)
        ? 0n
        : xxh3.xxh64(target.subarray(at + HEADER_SIZE, at + HEADER_SIZE + bodyLength));
  }
  writeU128(target, at + RequestOffsets.requestChecksum, checksum);
  target.writeBigUInt64LE(fields.request & U64, at + RequestOffsets.request);
  target[at + RequestOffsets.operation] = operation;
  target.writeBigUInt64LE(fields.session & U64, at + RequestOffsets.session);
  if (operation === Operation.NonReplicated) target.writeUInt32LE(fields.code, at + RequestOffsets.reserved);
}

/** A whole request frame (header + body) in one allocation. */
export function encodeRequest(fields: RequestFields, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  frame.set(body, HEADER_SIZE);
  writeRequestHeader(frame, 0, fields, body.length);
  return frame;
}

/** Size announced by a frame's header, or undefined when fewer than 52 bytes are at hand. */
export function frameSize(buf: Buffer, at = 0): number | undefined {
  return buf.length - at >= SIZE_OFFSET + 4 ? buf.readUInt32LE(at + SIZE_OFFSET) : undefined;
}

/** The `command` byte of a frame (Request 5, Reply 8, Eviction 13). */
export const frameCommand = (frame: Buffer): number => frame[COMMAND_OFFSET] ?? 0;

function checkFrame(frame: Buffer, expected: number, what: string): number {
  if (frame.length < HEADER_SIZE) throw new WireError(`${what} frame is ${frame.length} bytes; a header alone is ${HEADER_SIZE}`);
  const command = frame[H.command]!;
  if (command !== expected) throw new WireError(`${what} frame has command ${command}; expected ${expected}`);
  const size = frame.readUInt32LE(H.size);
  if (size < HEADER_SIZE || size > frame.length) {
    throw new WireError(`${what} header announces size ${size}; the frame holds ${frame.length} bytes and a header is ${HEADER_SIZE}`);
  }
  return size;
}

/**
 * Decodes and validates a request header the way the 0.11.0 server does: command Request,
 * client ≠ 0, operation ≠ Reserved, Register with request 0 and session 0, other
 * replicated operations with request > 0 and session > 0 (unless `checkSession` is false,
 * for a server that answers a session-less request with Unauthenticated instead).
 */
export function decodeRequestHeader(frame: Buffer, options: { checkSession?: boolean } = {}): RequestHeader {
  const size = checkFrame(frame, Command.Request, 'request');
  const client = readU128(frame, RequestOffsets.client);
  const operation = frame[RequestOffsets.operation]!;
  const request = frame.readBigUInt64LE(RequestOffsets.request);
  const session = frame.readBigUInt64LE(RequestOffsets.session);
  if (client === 0n) throw new WireError('request header has client 0; a client id must be non-zero');
  if (operation === Operation.Reserved) throw new WireError('request header has operation Reserved (0)');
  if (operation === Operation.Register) {
    if (session !== 0n || request !== 0n) throw new WireError('register request must carry session 0 and request 0');
  } else if (operation !== Operation.NonReplicated && options.checkSession !== false) {
    if (session === 0n || request === 0n) throw new WireError(`request with operation ${operation} must carry session > 0 and request > 0`);
  }
  let code: number | undefined;
  if (operation === Operation.NonReplicated) code = frame.readUInt32LE(RequestOffsets.reserved);
  else if (operation === Operation.Register) code = Code.LoginRegister;
  else if (operation === Operation.Logout) code = Code.LogoutUser;
  else code = codeForOperation(operation);
  if (code === undefined) throw new WireError(`request header has operation ${operation}, which a client may not send`);
  return {
    size,
    client,
    requestChecksum: readU128(frame, RequestOffsets.requestChecksum),
    timestamp: frame.readBigUInt64LE(RequestOffsets.timestamp),
    request,
    operation,
    session,
    userId: frame.readUInt32LE(RequestOffsets.userId),
    code,
  };
}

/** The request body of a frame (a view). */
export const requestBody = (frame: Buffer, header: { size: number }): Buffer => frame.subarray(HEADER_SIZE, header.size);

export interface ReplyHeader {
  size: number;
  requestChecksum: bigint;
  context: bigint;
  client: bigint;
  op: bigint;
  commit: bigint;
  timestamp: bigint;
  request: bigint;
  operation: number;
  /** 0, or the Iggy error code of a request-level failure (then the body is empty). */
  status: number;
}

export interface ReplyFields {
  /** Echoed from the request. */
  client: bigint;
  request: bigint;
  requestChecksum?: bigint;
  /** Usually the request's operation; CreateTopic is answered with CreateTopicWithAssignments. */
  operation: number;
  /** The session the server holds for this client (the real server puts it in `op`). */
  op?: bigint;
  commit?: bigint;
  timestamp?: bigint;
  status?: number;
}

/** Writes a reply header into `target[at..at+256]` for a body of `bodyLength` bytes. */
export function writeReplyHeader(target: Buffer, at: number, fields: ReplyFields, bodyLength: number): void {
  target.fill(0, at, at + HEADER_SIZE);
  target.writeUInt32LE(HEADER_SIZE + bodyLength, at + H.size);
  target[at + H.command] = Command.Reply;
  writeU128(target, at + ReplyOffsets.requestChecksum, fields.requestChecksum ?? 0n);
  writeU128(target, at + ReplyOffsets.client, fields.client);
  target.writeBigUInt64LE((fields.op ?? 0n) & U64, at + ReplyOffsets.op);
  target.writeBigUInt64LE((fields.commit ?? 0n) & U64, at + ReplyOffsets.commit);
  target.writeBigUInt64LE((fields.timestamp ?? 0n) & U64, at + ReplyOffsets.timestamp);
  target.writeBigUInt64LE(fields.request & U64, at + ReplyOffsets.request);
  target[at + ReplyOffsets.operation] = fields.operation;
  target.writeUInt32LE(fields.status ?? 0, at + ReplyOffsets.status);
}

/** A whole reply frame in one allocation; `body` may be several pieces (copied once). */
export function encodeReply(fields: ReplyFields, body: Uint8Array | readonly Uint8Array[] = []): Buffer {
  const pieces: readonly Uint8Array[] = body instanceof Uint8Array ? [body] : body;
  let length = 0;
  for (const p of pieces) length += p.length;
  const frame = Buffer.allocUnsafe(HEADER_SIZE + length);
  writeReplyHeader(frame, 0, fields, length);
  let at = HEADER_SIZE;
  for (const p of pieces) {
    frame.set(p, at);
    at += p.length;
  }
  return frame;
}

export function decodeReplyHeader(frame: Buffer): ReplyHeader {
  const size = checkFrame(frame, Command.Reply, 'reply');
  return {
    size,
    requestChecksum: readU128(frame, ReplyOffsets.requestChecksum),
    context: readU128(frame, ReplyOffsets.context),
    client: readU128(frame, ReplyOffsets.client),
    op: frame.readBigUInt64LE(ReplyOffsets.op),
    commit: frame.readBigUInt64LE(ReplyOffsets.commit),
    timestamp: frame.readBigUInt64LE(ReplyOffsets.timestamp),
    request: frame.readBigUInt64LE(ReplyOffsets.request),
    operation: frame[ReplyOffsets.operation]!,
    status: frame.readUInt32LE(ReplyOffsets.status),
  };
}

/** The reply body of a frame (a view, bounded by the header's size). */
export const replyBody = (frame: Buffer, header: { size: number }): Buffer => frame.subarray(HEADER_SIZE, header.size);

export interface EvictionHeader {
  client: bigint;
  reason: number;
  /** Accepted window, only on IncompatibleProtocol (zero otherwise). */
  serverProtocolVersion: number;
  serverProtocolVersionMin: number;
}

/** A header-only Eviction frame (session-terminal; the connection is done). */
export function encodeEviction(fields: EvictionHeader): Buffer {
  const frame = Buffer.alloc(HEADER_SIZE);
  frame.writeUInt32LE(HEADER_SIZE, H.size);
  frame[H.command] = Command.Eviction;
  writeU128(frame, EvictionOffsets.client, fields.client);
  frame.writeUInt32LE(fields.serverProtocolVersion >>> 0, EvictionOffsets.serverProtocolVersion);
  frame.writeUInt32LE(fields.serverProtocolVersionMin >>> 0, EvictionOffsets.serverProtocolVersionMin);
  frame[EvictionOffsets.reason] = fields.reason;
  return frame;
}

export function decodeEviction(frame: Buffer): EvictionHeader {
  checkFrame(frame, Command.Eviction, 'eviction');
  return {
    client: readU128(frame, EvictionOffsets.client),
    reason: frame[EvictionOffsets.reason]!,
    serverProtocolVersion: frame.readUInt32LE(EvictionOffsets.serverProtocolVersion),
    serverProtocolVersionMin: frame.readUInt32LE(EvictionOffsets.serverProtocolVersionMin),
  };
}
