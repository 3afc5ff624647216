// Records the request frames the official Iggy peers send (the iggy 0.11.0 crate through the
// probe, iggy-cli 0.14.0) into test/interop/vectors/*.json. They talk to the dev broker through
// a recording proxy; only their requests are kept (the replies are ours, not the truth).
// Run: npx tsc -p tsconfig.json && node dist/test/interop/record-vectors.js [sdk] [cli]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDevBroker } from '../../runtime/broker/index.js';
import { decodeRequestHeader } from '../../runtime/iggy/codec/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { cliBinary, repoRoot, runCli, runProbe } from './peers.js';
import { startRecordingProxy, type RecordedConnection } from './recording-proxy.js';

export interface VectorFrame {
  /** What the peer was doing, e.g. "cli: topic create". */
  step: string;
  connection: number;
  code: number;
  operation: number;
  hex: string;
}

export interface VectorFile {
  peer: string;
  recordedWith: string;
  frames: VectorFrame[];
}

function framesOf(step: string, connections: RecordedConnection[], firstConnection: number): VectorFrame[] {
  const out: VectorFrame[] = [];
  connections.forEach((c, n) => {
    for (const frame of c.requests) {
      const h = decodeRequestHeader(frame);
      out.push({ step, connection: firstConnection + n, code: h.code, operation: h.operation, hex: frame.toString('hex') });
    }
  });
  return out;
}

async function record(steps: Array<[string, (port: number) => Promise<unknown>]>): Promise<VectorFrame[]> {
  const broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const proxy = await startRecordingProxy({ host: '127.0.0.1', port: broker.port });
  const frames: VectorFrame[] = [];
  try {
    for (const [step, run] of steps) {
      const before = proxy.connections.length;
      const result = await run(proxy.port);
      // Let the proxy see the last bytes before reading what it recorded.
      await new Promise((r) => setTimeout(r, 100));
      frames.push(...framesOf(step, proxy.connections.slice(before), before));
      process.stdout.write(`${step}: ${JSON.stringify(result).slice(0, 200)}\n`);
    }
  } finally {
    await proxy.close();
    await broker.close();
  }
  return frames;
}

async function main(which: readonly string[]): Promise<void> {
  const dir = join(repoRoot, 'test/interop/vectors');
  await mkdir(dir, { recursive: true });
  const wanted = (peer: string): boolean => which.length === 0 || which.includes(peer);
  if (wanted('sdk')) await recordSdk(dir);
  if (wanted('cli')) await recordCli(dir);
}

async function recordSdk(dir: string): Promise<void> {
  const sdk = await record([
    [
      'sdk: send-poll 3 messages with headers',
      (port) => runProbe(`127.0.0.1:${port}`, ['send-poll', '--stream', 'vectors', '--topic', 'events', '--count', '3', '--batch', '3', '--partitions', '2']),
    ],
    [
      'sdk: balanced sends, offsets, consumer group',
      (port) => runProbe(`127.0.0.1:${port}`, ['groups', '--stream', 'vectors', '--topic', 'events', '--count', '2', '--partitions', '2']),
    ],
  ]);
  const sdkFile: VectorFile = { peer: 'iggy crate 0.11.0 (test/interop probe)', recordedWith: 'test/interop/record-vectors.ts', frames: sdk };
  await writeFile(join(dir, 'sdk-0.11.0.json'), `${JSON.stringify(sdkFile, null, 1)}\n`);
}

async function recordCli(dir: string): Promise<void> {
  const cli = cliBinary();
  const cliFrames = await record([
    ['cli: stream create', (port) => runCli(port, ['stream', 'create', 'cli-stream'])],
    ['cli: topic create', (port) => runCli(port, ['topic', 'create', 'cli-stream', 'cli-topic', '2', 'none'])],
    [
      'cli: message send',
      (port) => runCli(port, ['message', 'send', '--partition-id', '0', '-H', 'source:string:cli,n:uint32:7', 'cli-stream', 'cli-topic', 'hello', 'world']),
    ],
    ['cli: message poll', (port) => runCli(port, ['message', 'poll', '--offset', '0', '--message-count', '10', 'cli-stream', 'cli-topic', '0'])],
  ]);
  const cliFile: VectorFile = { peer: `iggy-cli 0.14.0 (${cli})`, recordedWith: 'test/interop/record-vectors.ts', frames: cliFrames };
  await writeFile(join(dir, 'cli-0.14.0.json'), `${JSON.stringify(cliFile, null, 1)}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await main(process.argv.slice(2));
}
