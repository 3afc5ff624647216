// The Iggy wire codec (protocol 0.11.0): pure functions over Buffers, no I/O, shared by the
// client (runtime/iggy/) and the dev broker (runtime/broker/). Little-endian throughout.
//
// API summary (see each module for the exact layouts; docs/iggy-protocol.md has the tables):
//   protocol.ts   HEADER_SIZE, Command, Operation, Code, EvictionReason, operationForCode(code),
//                 isResultFramed(op), PROTOCOL_VERSION, packVersion, isProtocolCompatible
//   header.ts     encodeRequest(fields, body) / writeRequestHeader(buf, at, fields, bodyLen) /
//                 decodeRequestHeader(frame) → {client, request, session, operation, code, …};
//                 encodeReply(fields, body|pieces) / writeReplyHeader / decodeReplyHeader(frame) → {operation, status, …};
//                 encodeEviction / decodeEviction; frameSize(buf), frameCommand(frame), requestBody, replyBody
//   result.ts     resultOk(payload) → pieces, resultRejection(code), splitReplyBody(op, body) → {status, payload}
//   login.ts      encodeLoginRegister({version, username, password}), encodeLoginRegisterWithToken({version, token}),
//                 decodeVersionInfo, decodePasswordCredentials, decodeTokenCredentials, encode/decodeLoginReply
//   primitives.ts Identifier (number | string), Consumer, Partitioning, PollingStrategy + Polling.offset/first/…
//   user-headers.ts validateUserHeaders(block), encodeUserHeaders(entries), headerEntries, options blocks
//   streams.ts / topics.ts  create/get/list/delete bodies and replies; encodeTopicOptions, resolveTopicOptions
//   consumer-offsets.ts / consumer-groups.ts  store/get/delete offsets; create/get/list/delete/join/leave/sync groups
//   system.ts     Stats, ClientInfo (GetMe/GetClient), encodeGetClient, encode/decodeClients, ClusterMetadata payloads
//   batch.ts      encodeBatch / writeBatch(target, at, FlatBatch | MessageInput[]) with XXH3-64 checksums,
//                 verifyBatch(record, {checksums, userHeaders}), stampBatch, sliceHeader, decodeBatches
//   messages.ts   encodeSendMessages(req, {headroom}), decodeSendMessages, encode/decodeSendReply,
//                 encode/decodePollMessages, encodePollReplyHead, decodePollReply(payload) → {batch: FlatBatch (zero-copy)}
//   status.ts     Status: numeric Iggy error codes; wire-error.ts: WireError (code IGGY_WIRE_MALFORMED, .status)
//
// Typical client request:  encodeRequest({ client, request, session, code: Code.GetStreams }, body)
// Typical reply handling:  h = decodeReplyHeader(frame); if (h.status) fail(h.status);
//                          { status, payload } = splitReplyBody(h.operation, replyBody(frame, h))

export * from './protocol.js';
export * from './status.js';
export * from './wire-error.js';
export * from './cursor.js';
export * from './header.js';
export * from './result.js';
export * from './primitives.js';
export * from './user-headers.js';
export * from './login.js';
export * from './streams.js';
export * from './topics.js';
export * from './consumer-offsets.js';
export * from './consumer-groups.js';
export * from './system.js';
export * from './batch.js';
export * from './messages.js';
export * from './personal-access-tokens.js';
