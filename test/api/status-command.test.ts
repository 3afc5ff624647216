// `iggy-connectors status` as a real child process against a running runtime's API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI } from '../helpers/paths.js';
import { forEachTarget } from '../helpers/iggy-target.js';
import { eventually } from '../helpers/runtime-process.js';
import { connectorIn, startRuntimeFixture, type StatsBody } from './runtime-fixture.js';

const KEY = 'cli-key';

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, IGGY_CONNECTORS_HTTP_API_KEY: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

forEachTarget(import.meta.url, (target) => {
  test('status prints the connectors as a table; a wrong key or no runtime exits 1 saying what to do', async (t) => {
    const total = 400;
    const rt = await startRuntimeFixture({ total, perPoll: 100, pollInterval: '10ms', apiKey: KEY, target: target() });
    t.after(() => rt.close());
    await eventually(
      async () => {
        const stats = await rt.getJson<StatsBody>('/stats', KEY);
        // Both counters: the source reports what Iggy acknowledged on its own stats interval, maybe after the sink's.
        const sink = connectorIn(stats, 'sink', 'file');
        const source = connectorIn(stats, 'source', 'numbers');
        return sink.messages_processed === total && source.messages_sent === total ? true : undefined;
      },
      60_000,
      `the sink to process and the source to report sent all ${total} messages`,
    );

    const ok = await cli(['status', '--url', rt.api.url, '--api-key', KEY]);
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ok.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^iggy-connectors 9\.9\.9-test · pid \d+ · up \d+ s/);
    assert.match(lines[1]!, /^KIND\s+KEY\s+STATE\s+IN\s+OUT\s+LAG\s+ERRORS\s+RESTARTS\s+LAST ERROR$/);
    const rows = lines.slice(2).map((l) => l.split(/\s+/));
    assert.deepEqual(
      rows.map((r) => r.slice(0, 3)),
      [
        ['sink', 'file', 'running'],
        ['sink', 'spare', 'disabled'],
        ['source', 'numbers', 'running'],
      ],
    );
    assert.deepEqual(rows[0]!.slice(3, 8), [String(total), String(total), '0', '0', '0'], `the sink row: ${lines[2]}`);
    assert.deepEqual(rows[2]!.slice(3, 5), [String(total), String(total)], `the source row: ${lines[4]}`);

    const json = await cli(['status', '--url', `${rt.api.url}/`, '--json'], { IGGY_CONNECTORS_HTTP_API_KEY: KEY });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(connectorIn(JSON.parse(json.stdout) as StatsBody, 'source', 'numbers').messages_sent, total, 'the key can come from the environment');

    const refused = await cli(['status', '--url', rt.api.url, '--api-key', 'nope']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\[STATUS_UNAUTHORIZED\]: .*--api-key/);

    const port = await closedPort();
    const nobody = await cli(['status', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /\[STATUS_UNREACHABLE\]: no runtime answered at http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)/);

    const usage = await cli(['status', '--url', 'not a url']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--url must be a URL/);
  });
});
