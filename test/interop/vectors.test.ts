// Request frames recorded from the official peers (test/interop/vectors/*.json, written by
// record-vectors.ts): the codec decodes every one, re-encodes it to the same bytes, and our
// client, asked for the same commands, sends the same bodies and header fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Code,
  HEADER_SIZE,
  Operation,
  decodeCreateConsumerGroup,
  decodeCreateStream,
  decodeDeleteConsumerOffset,
  decodeGetConsumerOffset,
  decodeStoreConsumerOffset,
  decodeCreateTopic,
  decodeOptions,
  decodeGroupRef,
  decodePasswordCredentials,
  decodePollMessages,
  decodeRequestHeader,
  decodeSendMessages,
  decodeStreamRef,
  decodeTopicRef,
  decodeVersionInfo,
  encodeCreateConsumerGroup,
  encodeCreateStream,
  encodeDeleteConsumerOffset,
  encodeGetConsumerOffset,
  encodeStoreConsumerOffset,
  encodeCreateTopic,
  encodeGroupRef,
  encodeLoginRegister,
  encodePollMessages,
  encodeSendMessages,
  encodeStreamRef,
  encodeTopicRef,
  headerEntries,
  isPartitionOperation,
  resolveTopicOptions,
  verifyBatch,
  writeRequestHeader,
  type RequestHeader,
} from '../../runtime/iggy/codec/index.js';
import { BatchOffsets, FrameOffsets, MESSAGE_HEADER_SIZE } from '../../runtime/iggy/codec/batch.js';
import { startDevBroker } from '../../runtime/broker/index.js';
import { IggyClient, Polling } from '../../runtime/iggy/index.js';
import { readU128, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { repoRoot } from './peers.js';
import { startRecordingProxy } from './recording-proxy.js';
import type { VectorFile, VectorFrame } from './record-vectors.js';

const dir = join(repoRoot, 'test/interop/vectors');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (name: string): VectorFile => JSON.parse(readFileSync(join(dir, name), 'utf8')) as VectorFile;

/** The messages of a recorded SendMessages body, as inputs our encoder can take. */
function messagesOf(batch: Buffer): MessageInput[] {
  const layout = verifyBatch(batch, { checksums: true, userHeaders: true });
  const origin = batch.readBigUInt64LE(BatchOffsets.originTimestamp);
  return [...layout.frameStarts].map((at) => {
    const pl = batch.readUInt32LE(at + FrameOffsets.payloadLength);
    const hl = batch.readUInt32LE(at + FrameOffsets.userHeadersLength);
    const payload = batch.subarray(at + MESSAGE_HEADER_SIZE, at + MESSAGE_HEADER_SIZE + pl);
    return {
      id: readU128(batch, at + FrameOffsets.id),
      originTimestamp: origin + BigInt(batch.readUInt32LE(at + FrameOffsets.timestampDelta)),
      payload,
      headers: batch.subarray(at + MESSAGE_HEADER_SIZE + pl, at + MESSAGE_HEADER_SIZE + pl + hl),
    };
  });
}

/** Decodes a recorded body with the codec and re-encodes it; returns the re-encoded bytes. */
function reencodeBody(h: RequestHeader, body: Buffer): Buffer {
  switch (h.code) {
    case Code.LoginRegister: {
      const { info, length } = decodeVersionInfo(body);
      const credentials = decodePasswordCredentials(body.subarray(length));
      return encodeLoginRegister({ version: info, ...credentials });
    }
    case Code.Ping:
    case Code.GetStats:
    case Code.GetClusterMetadata:
    case Code.GetMe:
    case Code.GetStreams:
    case Code.LogoutUser:
      return Buffer.alloc(0);
    case Code.GetStream:
    case Code.DeleteStream:
    case Code.GetTopics:
      return encodeStreamRef(decodeStreamRef(body).streamId);
    case Code.CreateStream:
      return encodeCreateStream(decodeCreateStream(body));
    case Code.GetTopic:
    case Code.DeleteTopic:
    case Code.GetConsumerGroups: {
      const ref = decodeTopicRef(body);
      return encodeTopicRef(ref.streamId, ref.topicId);
    }
    case Code.CreateTopic: {
      const req = decodeCreateTopic(body);
      resolveTopicOptions(req.options); // the broker must accept the options the peer sends
      return encodeCreateTopic(req);
    }
    case Code.GetConsumerGroup:
    case Code.JoinConsumerGroup:
    case Code.LeaveConsumerGroup:
    case Code.SyncConsumerGroup:
      return encodeGroupRef(decodeGroupRef(body));
    case Code.SendMessages: {
      const req = decodeSendMessages(body);
      return encodeSendMessages({ streamId: req.streamId, topicId: req.topicId, partitioning: req.partitioning, messages: messagesOf(req.batch) });
    }
    case Code.PollMessages:
      return encodePollMessages(decodePollMessages(body));
    case Code.StoreConsumerOffset:
      return encodeStoreConsumerOffset(decodeStoreConsumerOffset(body));
    case Code.GetConsumerOffset:
      return encodeGetConsumerOffset(decodeGetConsumerOffset(body));
    case Code.DeleteConsumerOffset:
      return encodeDeleteConsumerOffset(decodeDeleteConsumerOffset(body));
    case Code.CreateConsumerGroup:
      return encodeCreateConsumerGroup(decodeCreateConsumerGroup(body));
    default:
      throw new Error(`no decoder in this test for command code ${h.code}; add one`);
  }
}

test('vector files exist for the SDK and the CLI', () => {
  assert.ok(
    files.some((f) => f.startsWith('sdk-')),
    `no SDK vectors in ${dir}; run node dist/test/interop/record-vectors.js`,
  );
  assert.ok(
    files.some((f) => f.startsWith('cli-')),
    `no CLI vectors in ${dir}; run node dist/test/interop/record-vectors.js`,
  );
});

for (const file of files) {
  const vectors = load(file);

  test(`${file}: every request header and body decodes and re-encodes to the same bytes`, () => {
    for (const v of vectors.frames) {
      const frame = Buffer.from(v.hex, 'hex');
      const where = `${v.step}, code ${v.code}`;
      const h = decodeRequestHeader(frame);
      assert.equal(h.size, frame.length, where);
      assert.equal(h.code, v.code, where);
      const body = frame.subarray(HEADER_SIZE);
      assert.deepEqual(reencodeBody(h, body).toString('hex'), body.toString('hex'), `body of ${where}`);
      // The header the codec writes from the same fields, with its own request-checksum rule.
      const rebuilt = Buffer.from(frame);
      writeRequestHeader(rebuilt, 0, { client: h.client, request: h.request, session: h.session, code: h.code }, body.length);
      assert.deepEqual(rebuilt.subarray(0, HEADER_SIZE).toString('hex'), frame.subarray(0, HEADER_SIZE).toString('hex'), `header of ${where}`);
    }
  });

  test(`${file}: request ids and sessions follow the SDK's session rules on every connection`, () => {
    const byConnection = new Map<number, VectorFrame[]>();
    for (const v of vectors.frames) byConnection.set(v.connection, [...(byConnection.get(v.connection) ?? []), v]);
    for (const [n, frames] of byConnection) {
      let counter = 1n;
      let session = 0n;
      let client = decodeRequestHeader(Buffer.from(frames[0]!.hex, 'hex')).client;
      let registered = false;
      for (const v of frames) {
        const h = decodeRequestHeader(Buffer.from(v.hex, 'hex'));
        const where = `connection ${n}, ${v.step}, code ${v.code}`;
        if (h.operation === Operation.Register) {
          assert.equal(h.request, 0n, where);
          assert.equal(h.session, 0n, where);
          // The first login keeps the client id; a re-login mints a new one.
          if (!registered) assert.equal(h.client, client, `${where}: the first login keeps the client id`);
          client = h.client;
          registered = true;
          counter = 1n;
          session = -1n; // unknown until the next request shows it
          continue;
        }
        assert.equal(h.client, client, `${where}: one client id per login`);
        if (session === -1n) session = h.session;
        assert.equal(h.session, session, `${where}: the session from the login reply`);
        if (h.operation === Operation.NonReplicated) assert.equal(h.request, counter, `${where}: reads carry the current id`);
        else assert.equal(h.request, counter++, `${where}: writes take the next id`);
        if (h.operation === Operation.NonReplicated || isPartitionOperation(h.operation)) assert.equal(h.requestChecksum, 0n, where);
        else assert.notEqual(h.requestChecksum, 0n, where);
      }
    }
  });
}

test('our client sends the same bodies as the SDK for the same commands', async () => {
  const sdk = load(files.find((f) => f.startsWith('sdk-'))!);
  const recorded = (code: number): Buffer => {
    const v = sdk.frames.find((f) => f.code === code);
    assert.ok(v, `the SDK vectors have no request with code ${code}`);
    return Buffer.from(v.hex, 'hex');
  };
  const sdkSend = decodeSendMessages(recorded(Code.SendMessages).subarray(HEADER_SIZE));
  const sdkPoll = decodePollMessages(recorded(Code.PollMessages).subarray(HEADER_SIZE));
  const sdkTopic = decodeCreateTopic(recorded(Code.CreateTopic).subarray(HEADER_SIZE));
  const sdkStream = decodeCreateStream(recorded(Code.CreateStream).subarray(HEADER_SIZE));

  const broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const proxy = await startRecordingProxy({ host: '127.0.0.1', port: broker.port });
  const client = new IggyClient({ host: '127.0.0.1', port: proxy.port, logger: silentLogger(), credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await client.connect();
    await client.createStream(sdkStream.name);
    // The SDK always sends both durabilities; our client sends only what its caller sets, so set what the SDK sent.
    const sdkOptions = Object.fromEntries(decodeOptions(sdkTopic.options).map((e) => [e.key, e.value.toString('utf8')]));
    assert.deepEqual(Object.keys(sdkOptions).sort(), ['consumer_offset_durability', 'durability'], 'the SDK vector carries the two durability options');
    await client.createTopic(sdkStream.name, sdkTopic.name, {
      partitions: sdkTopic.partitionsCount,
      options: { durability: sdkOptions.durability as 'replicated', consumerOffsetDurability: sdkOptions.consumer_offset_durability as 'replicated' },
    });
    assert.equal(sdkSend.partitioning.kind, 'partition');
    await client.sendMessages(
      sdkSend.streamId,
      sdkSend.topicId,
      { kind: 'partition', id: (sdkSend.partitioning as { id: number }).id },
      messagesOf(sdkSend.batch),
    );
    await client.pollMessages(sdkPoll.streamId, sdkPoll.topicId, {
      consumer: sdkPoll.consumer,
      partitionId: sdkPoll.partitionId,
      strategy: sdkPoll.strategy.kind === 'offset' ? Polling.offset(sdkPoll.strategy.value) : sdkPoll.strategy,
      count: sdkPoll.count,
      autoCommit: sdkPoll.autoCommit,
    });
    const sdkStore = decodeStoreConsumerOffset(recorded(Code.StoreConsumerOffset).subarray(HEADER_SIZE));
    await client.storeConsumerOffset(sdkStore.streamId, sdkStore.topicId, sdkStore.consumer, sdkStore.partitionId, sdkStore.offset);
    const sdkGroup = decodeCreateConsumerGroup(recorded(Code.CreateConsumerGroup).subarray(HEADER_SIZE));
    await client.createConsumerGroup(sdkGroup.streamId, sdkGroup.topicId, sdkGroup.name);
    const sdkJoin = decodeGroupRef(recorded(Code.JoinConsumerGroup).subarray(HEADER_SIZE));
    await client.joinConsumerGroup(sdkJoin.streamId, sdkJoin.topicId, sdkJoin.groupId);
    await client.syncConsumerGroup(sdkJoin.streamId, sdkJoin.topicId, sdkJoin.groupId);
    await client.leaveConsumerGroup(sdkJoin.streamId, sdkJoin.topicId, sdkJoin.groupId);
    await new Promise((r) => setTimeout(r, 50));
    const ours = proxy.connections.flatMap((c) => c.requests);
    const mine = (code: number): Buffer => {
      const f = ours.find((r) => decodeRequestHeader(r).code === code);
      assert.ok(f, `our client sent no request with code ${code}`);
      return f;
    };
    const compared = [
      Code.CreateStream,
      Code.CreateTopic,
      Code.SendMessages,
      Code.PollMessages,
      Code.StoreConsumerOffset,
      Code.CreateConsumerGroup,
      Code.JoinConsumerGroup,
      Code.SyncConsumerGroup,
      Code.LeaveConsumerGroup,
    ];
    for (const code of compared) {
      const a = mine(code);
      const b = recorded(code);
      assert.equal(a.subarray(HEADER_SIZE).toString('hex'), b.subarray(HEADER_SIZE).toString('hex'), `body of code ${code}`);
      const ha = decodeRequestHeader(a);
      const hb = decodeRequestHeader(b);
      assert.equal(ha.operation, hb.operation, `operation of code ${code}`);
      assert.equal(ha.requestChecksum, hb.requestChecksum, `request checksum of code ${code}`);
      assert.equal(ha.timestamp, hb.timestamp, `timestamp of code ${code}`);
      // Everything but client id, session and request id must match byte for byte.
      const strip = (f: Buffer): string => {
        const c = Buffer.from(f.subarray(0, HEADER_SIZE));
        c.fill(0, 128, 144).fill(0, 168, 176).fill(0, 184, 192);
        return c.toString('hex');
      };
      assert.equal(strip(a), strip(b), `header of code ${code}`);
    }
    const loginBody = mine(Code.LoginRegister).subarray(HEADER_SIZE);
    const { length } = decodeVersionInfo(loginBody);
    assert.equal(
      loginBody.subarray(length).toString('hex'),
      recorded(Code.LoginRegister)
        .subarray(HEADER_SIZE + decodeVersionInfo(recorded(Code.LoginRegister).subarray(HEADER_SIZE)).length)
        .toString('hex'),
      'login credentials part',
    );
    // A user-header block the SDK wrote is one our codec walks.
    for (const m of messagesOf(sdkSend.batch)) assert.ok([...headerEntries(Buffer.from(m.headers!))].length === 2);
  } finally {
    await client.close();
    await proxy.close();
    await broker.close();
  }
});
