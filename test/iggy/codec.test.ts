// Byte vectors for the wire codec, derived by hand from the iggy_binary_protocol 0.11.0 sources
// (field by field, commented). Vectors captured from the real peers live in test/interop/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xxh3 } from '@node-rs/xxhash';
import { buildBatch, payloadOf, headersOf, messageAt } from '../../runtime/batch/flat-batch.js';
import {
  Code,
  Command,
  EvictionReason,
  Operation,
  PROTOCOL_VERSION,
  HEADER_SIZE,
  Status,
  WireError,
  encodeRequest,
  decodeRequestHeader,
  decodeReplyHeader,
  encodeReply,
  encodeEviction,
  decodeEviction,
  encodeLoginRegister,
  encodeLoginRegisterWithToken,
  decodeVersionInfo,
  decodePasswordCredentials,
  decodeTokenCredentials,
  encodeLoginReply,
  decodeLoginReply,
  splitReplyBody,
  resultOk,
  resultRejection,
  encodeSendMessages,
  decodeSendMessages,
  verifyBatch,
  encodePollMessages,
  decodePollMessages,
  decodePollReply,
  Polling,
  validateUserHeaders,
  encodeUserHeaders,
  encodeCreateTopic,
  decodeCreateTopic,
  encodeTopicOptions,
  resolveTopicOptions,
  encodeStreamRef,
  packVersion,
  isProtocolCompatible,
  operationForCode,
  isResultFramed,
  stampBatch,
  sliceHeader,
  encodeStoreConsumerOffset,
  decodeStoreConsumerOffset,
  encodeTopicDetails,
  decodeTopicDetails,
  NEVER,
} from '../../runtime/iggy/codec/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
const u64le = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

test('XXH3-64 with seed 0 is what the checksum library computes', () => {
  // Reference value of XXH3_64bits("") from the xxHash specification.
  assert.equal(xxh3.xxh64(Buffer.alloc(0)), 0x2d06800538d394c2n);
});

test('protocol version 0.11.0 packs to 11 << 10 and gates like is_protocol_compatible', () => {
  assert.equal(PROTOCOL_VERSION, 11264);
  assert.equal(packVersion(0, 11, 7), 11271);
  assert.equal(isProtocolCompatible(packVersion(0, 11, 9)), true, 'any patch of the current minor passes');
  assert.equal(isProtocolCompatible(packVersion(0, 10, 1)), false, 'an older minor is refused');
  assert.equal(isProtocolCompatible(packVersion(0, 12, 0)), false, 'a newer minor is refused');
});

test('operations chosen per command code as the 0.11.0 SDK does (vsr.rs operation_for_code)', () => {
  assert.equal(operationForCode(Code.LoginRegister), Operation.Register);
  assert.equal(operationForCode(Code.LogoutUser), Operation.Logout);
  assert.equal(operationForCode(Code.Ping), Operation.NonReplicated);
  assert.equal(operationForCode(Code.PollMessages), Operation.NonReplicated);
  assert.equal(operationForCode(Code.SendMessages), 160);
  assert.equal(operationForCode(Code.CreateTopic), 132);
  assert.equal(operationForCode(Code.JoinConsumerGroup), 148);
  assert.equal(isResultFramed(Operation.CreateTopicWithAssignments), true);
  assert.equal(isResultFramed(Operation.StoreConsumerOffset), true);
  assert.equal(isResultFramed(Operation.SendMessages), false);
  assert.equal(isResultFramed(Operation.NonReplicated), false);
});

test('Ping request header: NonReplicated with the code in reserved[0..4]', () => {
  const frame = encodeRequest({ client: 0x0102030405060708_1112131415161718n, request: 1n, session: 7n, code: Code.Ping });
  const expected = Buffer.alloc(256);
  // 0..48 checksum, checksum_body, cluster: zero (headers are unsealed on the client wire)
  expected.writeUInt32LE(256, 48); // size = header + empty body
  expected[60] = 5; // command = Request
  hex('1817161514131211 0807060504030201').copy(expected, 128); // client u128 LE
  // 144..160 request_checksum: 0 for NonReplicated; 160 timestamp: 0
  expected.writeBigUInt64LE(1n, 168); // request id
  expected[176] = 2; // operation = NonReplicated
  expected.writeBigUInt64LE(7n, 184); // session
  // 192 user_id: 0 (server stamps it)
  expected.writeUInt32LE(1, 196); // reserved[0..4] = PING code
  assert.deepEqual(frame, expected);
  const h = decodeRequestHeader(frame);
  assert.equal(h.code, Code.Ping);
  assert.equal(h.operation, Operation.NonReplicated);
  assert.equal(h.client, 0x0102030405060708_1112131415161718n);
});

test('CreateStream request: replicated op 128, request checksum = XXH3-64 of the body, no code in reserved', () => {
  const body = hex('02 7331'); // name "s1": len 2, "s1"; no options
  const frame = encodeRequest({ client: 9n, request: 3n, session: 1n, code: Code.CreateStream }, body);
  assert.equal(frame.length, 259);
  assert.equal(frame.readUInt32LE(48), 259);
  assert.equal(frame[176], 128);
  assert.equal(frame.readBigUInt64LE(144), xxh3.xxh64(body));
  assert.equal(frame.readBigUInt64LE(152), 0n, 'the u64 checksum widened to u128: high half zero');
  assert.equal(frame.readUInt32LE(196), 0);
  assert.deepEqual(frame.subarray(256), body);
  assert.equal(decodeRequestHeader(frame).code, Code.CreateStream);
});

test('request header validation refuses what the server refuses', () => {
  const bad = (mutate: (f: Buffer) => void, why: string): void => {
    const f = encodeRequest({ client: 1n, request: 2n, session: 3n, code: Code.CreateStream }, hex('0161'));
    mutate(f);
    assert.throws(() => decodeRequestHeader(f), WireError, why);
  };
  bad((f) => f.fill(0, 128, 144), 'client 0');
  bad((f) => (f[176] = 0), 'operation Reserved');
  bad((f) => f.writeBigUInt64LE(0n, 184), 'replicated op with session 0');
  bad((f) => (f[60] = 8), 'not a request');
  bad((f) => f.writeUInt32LE(255, 48), 'size below a header');
  bad((f) => f.writeUInt32LE(999, 48), 'size beyond the frame');
});

test('login body: ClientVersionInfo prefix then username/password and an empty context', () => {
  const body = encodeLoginRegister({
    version: { protocolVersion: PROTOCOL_VERSION, sdkName: 'rust-sdk', sdkVersion: '0.11.0' },
    username: 'iggy',
    password: 'iggy',
  });
  const expected = hex(
    '002c0000' + // protocol_version u32 = 0.11.0 = 11 << 10 = 0x2c00
      '08 727573742d73646b' + // sdk_name: len 8, "rust-sdk"
      '06 302e31312e30' + // sdk_version: len 6, "0.11.0"
      '04 69676779' + // username: len 4, "iggy"
      '04 69676779' + // password: len 4, "iggy"
      '00000000', // context_len u32 = 0
  );
  assert.deepEqual(body, expected);
  const { info, length } = decodeVersionInfo(body);
  assert.deepEqual(info, { protocolVersion: 11264, sdkName: 'rust-sdk', sdkVersion: '0.11.0' });
  assert.deepEqual(decodePasswordCredentials(body.subarray(length)), { username: 'iggy', password: 'iggy' });
});

test('login with a personal access token: prefix, then [len:u8][token][context_len:u32]', () => {
  const body = encodeLoginRegisterWithToken({ version: { protocolVersion: PROTOCOL_VERSION, sdkName: 'ts', sdkVersion: '1' }, token: 'abc' });
  assert.deepEqual(body, hex('002c0000 02 7473 01 31 03 616263 00000000'));
  const { length } = decodeVersionInfo(body);
  assert.deepEqual(decodeTokenCredentials(body.subarray(length)), { token: 'abc' });
});

test('login reply: result section then [user_id:u32][session:u64][protocol:u32][server_version]', () => {
  const payload = encodeLoginReply({ userId: 0, session: 5n, serverProtocolVersion: PROTOCOL_VERSION, serverVersion: '0.9.0' });
  assert.deepEqual(payload, hex('00000000 0500000000000000 002c0000 05 302e392e30'));
  const frame = encodeReply({ client: 1n, request: 0n, operation: Operation.Register, op: 5n }, resultOk(payload));
  const h = decodeReplyHeader(frame);
  assert.equal(h.operation, Operation.Register);
  const out = splitReplyBody(h.operation, frame.subarray(HEADER_SIZE, h.size));
  assert.equal(out.status, 0);
  assert.equal(decodeLoginReply(out.payload).session, 5n);
});

test('reply header layout: status at 216, operation at 208, client at 160', () => {
  const frame = encodeReply({ client: 0xabn, request: 4n, operation: 64, status: 2013, op: 9n, commit: 3n });
  assert.equal(frame.length, 256);
  assert.equal(frame[60], Command.Reply);
  assert.equal(frame.readBigUInt64LE(160), 0xabn); // client
  assert.equal(frame.readBigUInt64LE(176), 9n); // op
  assert.equal(frame.readBigUInt64LE(184), 3n); // commit
  assert.equal(frame.readBigUInt64LE(200), 4n); // request
  assert.equal(frame[208], 64); // operation CreateTopicWithAssignments
  assert.equal(frame.readUInt32LE(216), 2013); // status TopicNameAlreadyExists
  const h = decodeReplyHeader(frame);
  assert.equal(h.status, 2013);
});

test('result section: a rejection carries its code at body[8..12]', () => {
  const body = resultRejection(1009);
  assert.deepEqual(body, hex('01000000 00000000 f1030000'));
  assert.deepEqual(splitReplyBody(Operation.DeleteStream, body), { status: 1009, payload: Buffer.alloc(0) });
  assert.deepEqual(splitReplyBody(Operation.NonReplicated, body).payload, body, 'non-framed bodies pass through');
  assert.throws(() => splitReplyBody(Operation.CreateStream, hex('0100')), WireError);
});

test('eviction frame: window at 144/148, reason at 255', () => {
  const frame = encodeEviction({ client: 77n, reason: EvictionReason.IncompatibleProtocol, serverProtocolVersion: 11264, serverProtocolVersionMin: 11264 });
  assert.equal(frame.length, 256);
  assert.equal(frame.readUInt32LE(48), 256);
  assert.equal(frame[60], 13);
  assert.equal(frame.readBigUInt64LE(128), 77n);
  assert.equal(frame.readUInt32LE(144), 11264);
  assert.equal(frame.readUInt32LE(148), 11264);
  assert.equal(frame[255], 14);
  assert.equal(decodeEviction(frame).reason, 14);
});

test('identifiers: numeric [1][4][u32] and named [2][len][utf8]', () => {
  assert.deepEqual(encodeStreamRef(1), hex('01 04 01000000'));
  assert.deepEqual(encodeStreamRef('ab'), hex('02 02 6162'));
  assert.throws(() => encodeStreamRef(''), WireError);
});

test('send messages body: metadata section, then a batch record with XXH3-64 checksums', () => {
  const body = encodeSendMessages(
    { streamId: 1, topicId: 't', partitioning: { kind: 'partition', id: 0 }, messages: [{ id: 5n, originTimestamp: 1000n, payload: Buffer.from('hi') }] },
    { now: 1n },
  );
  const metadata = hex(
    '13000000' + // metadata_length = 19 = stream(6) + topic(3) + partitioning(6) + count(4)
      '01 04 01000000' + // stream_id numeric 1
      '02 01 74' + // topic_id "t"
      '02 04 00000000' + // partitioning: partition id 0
      '01000000', // messages_count = 1
  );
  assert.deepEqual(body.subarray(0, 23), metadata);
  const record = body.subarray(23);
  assert.equal(record.length, 256 + 48 + 2);
  // Frame by hand: checksum(8) id(16) offset_delta(4) timestamp_delta(4) headers_len(4) payload_len(4) reserved(8) payload
  const frameTail = hex('05000000000000000000000000000000 00000000 00000000 00000000 02000000 0000000000000000 6869');
  assert.deepEqual(record.subarray(256 + 8), frameTail);
  const frameChecksum = xxh3.xxh64(frameTail);
  assert.equal(record.readBigUInt64LE(256), frameChecksum);
  // Batch header: partition 0, base offset 0, base timestamp 0, origin 1000, length 306, checksum, count 1, zero to 256.
  assert.equal(record.readBigUInt64LE(24), 1000n);
  assert.equal(record.readBigUInt64LE(32), 306n);
  assert.equal(record.readUInt32LE(48), 1);
  assert.ok(record.subarray(52, 256).every((b) => b === 0));
  // batch checksum = XXH3-64(partition ‖ base_offset ‖ base_ts ‖ origin ‖ length(u64) ‖ count(u32) ‖ frame checksums)
  const hashed = Buffer.concat([u64le(0n), u64le(0n), u64le(0n), u64le(1000n), u64le(306n), hex('01000000'), u64le(frameChecksum)]);
  assert.equal(record.readBigUInt64LE(40), xxh3.xxh64(hashed));
  const decoded = decodeSendMessages(body);
  assert.equal(decoded.streamId, 1);
  assert.equal(decoded.topicId, 't');
  assert.deepEqual(decoded.partitioning, { kind: 'partition', id: 0 });
  assert.equal(verifyBatch(decoded.batch, { checksums: true, userHeaders: true }).messageCount, 1);
});

test('a flipped payload byte or a stale batch checksum is caught with 4027 / 4039', () => {
  const body = encodeSendMessages({
    streamId: 0,
    topicId: 0,
    partitioning: { kind: 'balanced' },
    messages: [{ payload: Buffer.from('abc') }, { payload: Buffer.from('de') }],
  });
  const batch = decodeSendMessages(body).batch;
  const flipped = Buffer.from(batch);
  flipped[flipped.length - 1]! ^= 1;
  assert.throws(
    () => verifyBatch(flipped, { checksums: true }),
    (e: unknown) => e instanceof WireError && e.status === Status.InvalidMessageChecksum,
  );
  const stale = Buffer.from(batch);
  stale.writeBigUInt64LE(stale.readBigUInt64LE(40) ^ 1n, 40);
  assert.throws(
    () => verifyBatch(stale, { checksums: true }),
    (e: unknown) => e instanceof WireError && e.status === Status.InvalidBatchChecksum,
  );
});

test('a batch from a FlatBatch carries ids, origin timestamps, payloads and headers', () => {
  const headers = encodeUserHeaders([{ key: 'k', value: 'v' }]);
  const flat = buildBatch([
    { id: 1n, originTimestamp: 5_000n, payload: Buffer.from('one'), headers },
    { id: 2n, originTimestamp: 6_000n, payload: Buffer.from('two') },
  ]);
  const body = encodeSendMessages({ streamId: 0, topicId: 0, partitioning: { kind: 'balanced' }, messages: flat });
  const record = Buffer.from(decodeSendMessages(body).batch);
  const layout = verifyBatch(record, { checksums: true, userHeaders: true });
  assert.equal(record.readBigUInt64LE(24), 5_000n, 'origin = earliest');
  assert.equal(record.readUInt32LE(layout.frameStarts[1]! + 28), 1000, 'second frame timestamp delta');
  stampBatch(record, layout, { partitionId: 3, baseOffset: 10n, baseTimestamp: 77n });
  verifyBatch(record, { checksums: true });
  // A poll reply made of this record: head [partition][current offset][count] then the record.
  const head = hex('03000000 0b00000000000000 02000000');
  const payload = Buffer.concat([head, record]);
  const polled = decodePollReply(payload);
  assert.equal(polled.partitionId, 3);
  assert.equal(polled.currentOffset, 11n);
  const m0 = messageAt(polled.batch, 0);
  const m1 = messageAt(polled.batch, 1);
  assert.deepEqual([m0.offset, m0.id, m0.timestamp, m0.originTimestamp], [10n, 1n, 77n, 5_000n]);
  assert.deepEqual([m1.offset, m1.id, m1.originTimestamp], [11n, 2n, 6_000n]);
  assert.deepEqual(payloadOf(polled.batch, 0), Buffer.from('one'));
  assert.deepEqual(headersOf(polled.batch, 0), headers);
  assert.equal(headersOf(polled.batch, 1).length, 0);
  assert.equal(polled.batch.data, payload, 'the flat batch points into the reply: no copy');
});

test('a batch from a FlatBatch copies payloads and headers of every length exactly (word loop and native copy alike)', () => {
  // Lengths on both sides of the codec's short-copy limit, from a data buffer that does not start
  // at its ArrayBuffer's first byte (a slice of a pooled or larger buffer), so offsets must hold.
  const lengths = [0, 1, 3, 4, 5, 31, 63, 64, 65, 66, 127, 200, 255, 256, 257, 1000];
  const backing = Buffer.alloc(64 * 1024);
  let at = 17;
  const inputs = lengths.map((n, i) => {
    const payload = backing.subarray(at, at + n);
    for (let k = 0; k < n; k++) payload[k] = (i * 31 + k * 7) & 0xff;
    at += n + 3;
    const headers = i % 3 === 0 ? encodeUserHeaders([{ key: `k${i}`, value: 'v'.repeat(Math.min(255, Math.max(1, n))) }]) : undefined;
    return { id: BigInt(i + 1), originTimestamp: 1_000n + BigInt(i), payload, headers };
  });
  const flat = buildBatch(inputs);
  // buildBatch compacts; rebuild the flat batch over a shifted copy so `data` has a byte offset too.
  const shifted = Buffer.alloc(flat.data.length + 9);
  flat.data.copy(shifted, 9);
  const offsetFlat = { count: flat.count, index: flat.index, data: shifted.subarray(9) };
  const body = encodeSendMessages({ streamId: 0, topicId: 0, partitioning: { kind: 'balanced' }, messages: offsetFlat });
  const record = Buffer.from(decodeSendMessages(body).batch);
  const layout = verifyBatch(record, { checksums: true, userHeaders: true });
  stampBatch(record, layout, { partitionId: 0, baseOffset: 0n, baseTimestamp: 1n });
  const head = Buffer.alloc(16);
  head.writeUInt32LE(lengths.length, 12);
  const polled = decodePollReply(Buffer.concat([head, record]));
  assert.equal(polled.batch.count, lengths.length);
  inputs.forEach((m, i) => {
    assert.deepEqual(payloadOf(polled.batch, i), Buffer.from(m.payload), `payload ${i} (${lengths[i]} B)`);
    assert.deepEqual(headersOf(polled.batch, i), Buffer.from(m.headers ?? []), `headers ${i}`);
  });
});

test('poll reply decoding handles a sliced record (first frame offset_delta > 0) by hand', () => {
  // One record sliced to its 2nd message: base offset 100, frame offset_delta 1, payload "z".
  const frame = Buffer.concat([
    u64le(0xdeadn),
    hex('07000000000000000000000000000000'),
    hex('01000000 0a000000 00000000 01000000'),
    u64le(0n),
    Buffer.from('z'),
  ]);
  const header = Buffer.alloc(256);
  header.writeBigUInt64LE(0n, 0); // partition id
  header.writeBigUInt64LE(100n, 8); // base offset
  header.writeBigUInt64LE(555n, 16); // base timestamp
  header.writeBigUInt64LE(9_000n, 24); // origin timestamp
  header.writeBigUInt64LE(BigInt(256 + frame.length), 32); // batch length
  header.writeUInt32LE(1, 48); // message count
  const payload = Buffer.concat([hex('00000000 6500000000000000 01000000'), header, frame]);
  const polled = decodePollReply(payload);
  const m = messageAt(polled.batch, 0);
  assert.deepEqual([m.offset, m.id, m.timestamp, m.originTimestamp, m.checksum], [101n, 7n, 555n, 9_010n, 0xdeadn]);
  assert.deepEqual(m.payload, Buffer.from('z'));
  assert.throws(() => decodePollReply(Buffer.concat([hex('00000000 6500000000000000 02000000'), header, frame])), WireError, 'count mismatch');
  assert.throws(() => decodePollReply(payload.subarray(0, payload.length - 1)), WireError, 'truncated record');
});

test('sliceHeader keeps base fields and recomputes length, count and batch checksum', () => {
  const record = Buffer.from(
    decodeSendMessages(
      encodeSendMessages({
        streamId: 0,
        topicId: 0,
        partitioning: { kind: 'balanced' },
        messages: [{ payload: Buffer.from('a') }, { payload: Buffer.from('bb') }],
      }),
    ).batch,
  );
  const layout = verifyBatch(record);
  const frames = record.subarray(layout.frameStarts[1]!);
  const head = sliceHeader(record, frames, 1);
  const sliced = Buffer.concat([head, frames]);
  assert.equal(verifyBatch(sliced, { checksums: true }).messageCount, 1);
});

test('poll request: consumer, ids, optional partition, strategy, count, auto-commit', () => {
  const body = encodePollMessages({
    consumer: { kind: 'consumer', id: 7 },
    streamId: 1,
    topicId: 2,
    partitionId: 0,
    strategy: Polling.next(),
    count: 10,
    autoCommit: true,
  });
  assert.deepEqual(
    body,
    hex(
      '01 01 04 07000000' + // consumer kind 1, numeric id 7
        '01 04 01000000' + // stream 1
        '01 04 02000000' + // topic 2
        '01 00000000' + // partition flag 1, partition 0
        '05 0000000000000000' + // strategy next (5), value 0
        '0a000000' + // count 10
        '01', // auto_commit
    ),
  );
  const back = decodePollMessages(body);
  assert.deepEqual(back, {
    consumer: { kind: 'consumer', id: 7 },
    streamId: 1,
    topicId: 2,
    partitionId: 0,
    strategy: { kind: 'next', value: 0n },
    count: 10,
    autoCommit: true,
  });
  const group = decodePollMessages(
    encodePollMessages({ consumer: { kind: 'group', id: 'g' }, streamId: 's', topicId: 't', strategy: Polling.offset(3), count: 1, autoCommit: false }),
  );
  assert.equal(group.partitionId, undefined);
});

test('store consumer offset: ref, offset u64, ack level', () => {
  const body = encodeStoreConsumerOffset({ consumer: { kind: 'group', id: 0 }, streamId: 0, topicId: 0, partitionId: 1, offset: 42n });
  assert.deepEqual(body, hex('02 01 04 00000000  01 04 00000000  01 04 00000000  01 01000000  2a00000000000000  01'));
  assert.equal(decodeStoreConsumerOffset(body).offset, 42n);
});

test('user headers are validated as validate_user_headers does', () => {
  const ok = hex('02 01000000 6b 02 01000000 76'); // key "k" (String), value "v" (String)
  assert.equal(validateUserHeaders(ok), 1);
  assert.equal(validateUserHeaders(Buffer.alloc(0)), 0);
  const cases: Array<[string, string]> = [
    ['00 01000000 6b 02 01000000 76', 'kind 0 is reserved'],
    ['02 00000000 02 01000000 76', 'length 0'],
    ['02 00010000' + '00'.repeat(256) + ' 02 01000000 76', 'length 256'],
    ['02 01000000 6b', 'odd entry count'],
    ['02 05000000 6b', 'runs past the block'],
    ['02 0100', 'truncated length'],
  ];
  for (const [bytes, why] of cases) assert.throws(() => validateUserHeaders(hex(bytes)), WireError, why);
  assert.throws(
    () =>
      encodeSendMessages({
        streamId: 0,
        topicId: 0,
        partitioning: { kind: 'balanced' },
        messages: [{ payload: Buffer.from('x'), headers: hex('02 01000000 6b') }],
      }),
    WireError,
  );
});

test('create topic with the options the stable CLI sends (consumer_offset_durability=replicated)', () => {
  const options = encodeTopicOptions({ consumerOffsetDurability: 'replicated' });
  // key: kind 2 (String), len 26, "consumer_offset_durability"; value: kind 2, len 10, "replicated"
  assert.deepEqual(options, Buffer.concat([hex('02 1a000000'), Buffer.from('consumer_offset_durability'), hex('02 0a000000'), Buffer.from('replicated')]));
  const body = encodeCreateTopic({ streamId: 0, partitionsCount: 3, name: 't1', options });
  assert.deepEqual(body.subarray(0, 13), hex('01 04 00000000 03000000 02 7431'));
  const back = decodeCreateTopic(body);
  assert.equal(back.partitionsCount, 3);
  assert.deepEqual(resolveTopicOptions(back.options), { compression: 1, messageExpiry: NEVER, maxTopicSize: NEVER });
  const unknown = encodeUserHeaders([{ key: 'bogus', value: 'x' }]);
  assert.throws(
    () => resolveTopicOptions(unknown),
    (e: unknown) => e instanceof WireError && e.status === Status.UnsupportedOptionKey,
  );
  const typed = resolveTopicOptions(encodeTopicOptions({ compression: 'gzip', messageExpiry: 60_000_000n, maxTopicSize: 1024n }));
  assert.deepEqual(typed, { compression: 2, messageExpiry: 60_000_000n, maxTopicSize: 1024n });
});

test('topic details round trip (TopicHeader then 40-byte partitions)', () => {
  const details = {
    topic: {
      id: 0,
      createdAt: 1n,
      partitionsCount: 2,
      messageExpiry: NEVER,
      compressionAlgorithm: 1,
      maxTopicSize: NEVER,
      sizeBytes: 0n,
      messagesCount: 0n,
      name: 't',
      options: Buffer.alloc(0),
      derivedOptions: Buffer.alloc(0),
    },
    partitions: [0, 1].map((id) => ({ id, createdAt: 1n, segmentsCount: 1, currentOffset: 0n, sizeBytes: 0n, messagesCount: 0n })),
  };
  const payload = encodeTopicDetails(details);
  assert.equal(payload.length, 50 + 1 + 4 + 4 + 80);
  assert.deepEqual(decodeTopicDetails(payload), details);
});
