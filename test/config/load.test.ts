// Loading valid configs: every key of the main layout normalized, defaults, redaction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { DEFAULTS, loadConfig, parseConfig, redactConfig, type SinkConfig, type SourceConfig } from '../../runtime/config/index.js';
import { workspace } from './workspace.js';

const FULL = `
[iggy]
address = "10.0.0.5:8090"
username = "app"
password = "s3cret"
[iggy.tls]
enabled = true
ca_file = "certs/ca.pem"
domain = "iggy.internal"

[state]
path = "state"

[http]
enabled = true
address = "0.0.0.0:9000"
api_key = "k-123"
[http.cors]
enabled = true
allowed_origins = ["https://ui.example"]

[sinks.stdout]
enabled = true
name = "Stdout sink"
path = "components/stdout_sink.wasm"
version = 3
verbose = true
[[sinks.stdout.streams]]
stream = "example_stream"
topics = ["a", "b"]
schema = "json"
batch_size = 500
poll_interval = "1.5s"
consumer_group = "cg"
[[sinks.stdout.streams]]
stream = "other"
topics = ["c"]
batch_length = 7
[sinks.stdout.config]
print_payload = true
db_password = "pw"
nested = { api_key = "nk", url = "postgres://u:hunter2@db:5432/x" }
[sinks.stdout.transforms.delete_fields]
fields = ["debug"]
[sinks.stdout.transforms.add_fields]
enabled = false
[[sinks.stdout.transforms.add_fields.fields]]
key = "message"
value.static = "hello"
[sinks.stdout.permissions]
preopens = [{ host = "./out", guest = "/out", read_only = false }, { host = "out", guest = "/ro" }]
env = ["PG_PASSWORD"]
stdio = "discard"
allowed_hosts = ["localhost:5432"]
[sinks.stdout.limits]
memory_limit = "64 MiB"
call_timeout = "10s"
[sinks.stdout.restart]
initial_delay = "250ms"
max_delay = "2m"
max_restarts = 5
[sinks.stdout.errors]
on_permanent = "dead_letter"
dead_letter = { stream = "dlq", topic = "stdout" }
max_retries = 5
retry_initial = "100ms"
retry_max = "10s"

[sources.random]
enabled = false
path = "components/missing_but_disabled.wasm"
poll_interval = 250
[[sources.random.streams]]
stream = "example_stream"
topic = "t1"
schema = "raw"
batch_size = 10
linger_time = "500us"
partitioning = { partition_id = 2 }
[[sources.random.streams]]
stream = "example_stream"
topic = "t2"
schema = "flat_buffer"
partitioning = { messages_key = "user_id" }
[[sources.random.streams]]
stream = "example_stream"
topic = "t3"
[sources.random.config]
count = 10
[sources.random.errors]
on_permanent = "dead_letter"
dead_letter = { stream = "dlq", topic = "random" }
`;

test('a config using every key loads into the normalized model', async (t) => {
  const ws = workspace(t);
  ws.component('components/stdout_sink.wasm');
  ws.write('certs/ca.pem', 'not really a certificate');
  ws.write('out/.keep', '');
  const file = ws.write('runtime.toml', FULL);

  const config = await loadConfig(file, { env: {} });

  assert.equal(config.file, file);
  assert.deepEqual(config.iggy, {
    address: '10.0.0.5:8090',
    host: '10.0.0.5',
    port: 8090,
    username: 'app',
    password: 's3cret',
    tls: { enabled: true, caFile: ws.path('certs/ca.pem'), domain: 'iggy.internal' },
  });
  assert.deepEqual(config.state, { path: ws.path('state') });
  assert.deepEqual(config.http, { enabled: true, address: '0.0.0.0:9000', apiKey: 'k-123', corsOrigins: ['https://ui.example'] });

  assert.equal(config.sinks.length, 1);
  const sink = config.sinks[0] as SinkConfig;
  assert.deepEqual(
    {
      kind: sink.kind,
      key: sink.key,
      enabled: sink.enabled,
      name: sink.name,
      path: sink.path,
      version: sink.version,
      verbose: sink.verbose,
      tomlPath: sink.tomlPath,
    },
    {
      kind: 'sink',
      key: 'stdout',
      enabled: true,
      name: 'Stdout sink',
      path: ws.path('components/stdout_sink.wasm'),
      version: 3,
      verbose: true,
      tomlPath: 'sinks.stdout',
    },
  );
  assert.equal(sink.sourceFile, undefined);
  assert.deepEqual(sink.streams, [
    {
      stream: 'example_stream',
      topics: ['a', 'b'],
      schema: 'json',
      batchSize: 500,
      pollIntervalMs: 1500,
      consumerGroup: 'cg',
      path: 'sinks.stdout.streams[0]',
    },
    {
      stream: 'other',
      topics: ['c'],
      schema: 'json',
      batchSize: 7,
      pollIntervalMs: 5,
      consumerGroup: 'iggy-connect-sink-stdout',
      path: 'sinks.stdout.streams[1]',
    },
  ]);
  assert.deepEqual(sink.config, {
    print_payload: true,
    db_password: 'pw',
    nested: { api_key: 'nk', url: 'postgres://u:hunter2@db:5432/x' },
  });
  // In the order written, `enabled` taken out of the options.
  assert.deepEqual(sink.transforms, [
    { name: 'delete_fields', enabled: true, options: { fields: ['debug'] }, path: 'sinks.stdout.transforms.delete_fields' },
    { name: 'add_fields', enabled: false, options: { fields: [{ key: 'message', value: { static: 'hello' } }] }, path: 'sinks.stdout.transforms.add_fields' },
  ]);
  assert.deepEqual(sink.permissions, {
    preopens: [
      { hostPath: ws.path('out'), guestPath: '/out', readOnly: false },
      { hostPath: ws.path('out'), guestPath: '/ro', readOnly: true },
    ],
    env: ['PG_PASSWORD'],
    stdio: 'discard',
    allowedHosts: ['localhost:5432'],
  });
  assert.deepEqual(sink.limits, { memoryLimitBytes: 64 * 1024 * 1024, callTimeoutMs: 10_000 });
  assert.deepEqual(sink.restart, { initialDelayMs: 250, maxDelayMs: 120_000, maxRestarts: 5 });
  assert.deepEqual(sink.errors, {
    onPermanent: 'dead_letter',
    deadLetter: { stream: 'dlq', topic: 'stdout' },
    maxRetries: 5,
    retryInitialMs: 100,
    retryMaxMs: 10_000,
  });

  const source = config.sources[0] as SourceConfig;
  assert.equal(source.enabled, false, 'a disabled connector is kept, with enabled=false');
  assert.equal(source.path, ws.path('components/missing_but_disabled.wasm'), 'a disabled connector need not exist yet');
  assert.equal(source.name, 'random', 'name defaults to the key');
  assert.equal(source.pollIntervalMs, 250);
  assert.deepEqual(source.streams, [
    {
      stream: 'example_stream',
      topic: 't1',
      schema: 'raw',
      batchSize: 10,
      lingerMs: 0.5,
      partitioning: { kind: 'partition_id', partitionId: 2 },
      path: 'sources.random.streams[0]',
    },
    {
      stream: 'example_stream',
      topic: 't2',
      schema: 'flatbuffer',
      batchSize: 1000,
      lingerMs: 5,
      partitioning: { kind: 'messages_key', field: 'user_id' },
      path: 'sources.random.streams[1]',
    },
    {
      stream: 'example_stream',
      topic: 't3',
      schema: 'json',
      batchSize: 1000,
      lingerMs: 5,
      partitioning: { kind: 'balanced' },
      path: 'sources.random.streams[2]',
    },
  ]);
  assert.deepEqual(source.config, { count: 10 });
  assert.deepEqual(source.errors, {
    onPermanent: 'dead_letter',
    deadLetter: { stream: 'dlq', topic: 'random' },
    maxRetries: 0,
    retryInitialMs: 100,
    retryMaxMs: 30_000,
  });
});

test('a minimal config gets every default', (t) => {
  const ws = workspace(t);
  ws.component('sink.wasm');
  ws.component('source.wasm');
  const text = `
[sinks.s]
path = "sink.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
[sources.r]
path = "source.wasm"
[[sources.r.streams]]
stream = "st"
topic = "tp"
`;
  const config = parseConfig(text, { file: ws.path('c.toml'), env: {} });
  assert.deepEqual(config.iggy, { address: '127.0.0.1:8090', host: '127.0.0.1', port: 8090, username: 'iggy', password: 'iggy', tls: { enabled: false } });
  assert.deepEqual(config.state, { path: ws.path('local_state') });
  assert.deepEqual(config.http, { enabled: false, address: '127.0.0.1:8081', corsOrigins: [] });
  const [sink] = config.sinks;
  assert.equal(sink.enabled, true);
  assert.equal(sink.name, 's');
  assert.equal(sink.version, 0);
  assert.equal(sink.verbose, false);
  assert.deepEqual(sink.config, {});
  assert.deepEqual(sink.transforms, []);
  assert.deepEqual(sink.permissions, { preopens: [], env: [], stdio: 'log', allowedHosts: [] });
  assert.deepEqual(sink.limits, { memoryLimitBytes: 256 * 1024 * 1024, callTimeoutMs: 30_000 });
  assert.deepEqual(sink.restart, { initialDelayMs: DEFAULTS.restartInitialDelayMs, maxDelayMs: DEFAULTS.restartMaxDelayMs, maxRestarts: 0 });
  assert.deepEqual(sink.errors, { onPermanent: 'stop', maxRetries: 0, retryInitialMs: DEFAULTS.retryInitialMs, retryMaxMs: DEFAULTS.retryMaxMs });
  assert.deepEqual(sink.streams[0], {
    stream: 'st',
    topics: ['tp'],
    schema: 'json',
    batchSize: 1000,
    pollIntervalMs: 5,
    consumerGroup: 'iggy-connect-sink-s',
    path: 'sinks.s.streams[0]',
  });
  const [source] = config.sources;
  assert.equal(source.pollIntervalMs, 100);
  assert.deepEqual(source.errors, { onPermanent: 'stop', maxRetries: 0, retryInitialMs: DEFAULTS.retryInitialMs, retryMaxMs: DEFAULTS.retryMaxMs });
  assert.deepEqual(source.streams[0], {
    stream: 'st',
    topic: 'tp',
    schema: 'json',
    batchSize: 1000,
    lingerMs: 5,
    partitioning: { kind: 'balanced' },
    path: 'sources.r.streams[0]',
  });
});

test('a token replaces the default credentials, empty strings count as unset, baseDir anchors relative paths', (t) => {
  const ws = workspace(t);
  ws.component('elsewhere/c.wasm');
  const config = parseConfig(
    `[iggy]
token = "pat-1"
[http]
api_key = ""
[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
`,
    { env: {}, baseDir: ws.path('elsewhere') },
  );
  assert.equal(config.file, undefined);
  assert.equal(config.iggy.token, 'pat-1');
  assert.equal(config.iggy.username, undefined);
  assert.equal(config.iggy.password, undefined);
  assert.equal(config.http.apiKey, undefined);
  assert.equal(config.sinks[0].path, ws.path('elsewhere/c.wasm'));
  assert.equal(config.state.path, ws.path('elsewhere/local_state'));
});

test('the transform validator sees each transform with its options, path and schema', (t) => {
  const ws = workspace(t);
  ws.component('c.wasm');
  const seen: unknown[] = [];
  const text = `[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
[sinks.s.transforms.filter]
enabled = true
expr = "x"
[sinks.s.transforms.route]
to = 1
`;
  assert.throws(
    () =>
      parseConfig(text, {
        file: ws.path('c.toml'),
        env: {},
        validateTransform: (name, table, path, schema) => {
          seen.push({ name, table, path, schema });
          return name === 'route' ? [{ path: `${path}.to`, message: 'expected a topic name' }] : [];
        },
      }),
    (error: Error & { problems?: unknown }) => {
      assert.deepEqual(error.problems, [{ path: 'sinks.s.transforms.route.to', message: 'expected a topic name' }]);
      return true;
    },
  );
  assert.deepEqual(seen, [
    { name: 'filter', table: { expr: 'x' }, path: 'sinks.s.transforms.filter', schema: 'json' },
    { name: 'route', table: { to: 1 }, path: 'sinks.s.transforms.route', schema: 'json' },
  ]);
});

test('redactConfig masks credentials and secret-looking guest config keys, and leaves the config untouched', async (t) => {
  const ws = workspace(t);
  ws.component('components/stdout_sink.wasm');
  ws.write('certs/ca.pem', 'x');
  ws.write('out/.keep', '');
  const config = await loadConfig(ws.write('runtime.toml', FULL.replace('token', 'x')), { env: {} });
  const redacted = redactConfig(config) as {
    iggy: { username: string; password: string };
    http: { apiKey: string };
    sinks: { config: Record<string, unknown>; permissions: { env: string[] } }[];
  };
  assert.equal(redacted.iggy.username, 'app');
  assert.equal(redacted.iggy.password, '***');
  assert.equal(redacted.http.apiKey, '***');
  assert.deepEqual(redacted.sinks[0].config, {
    print_payload: true,
    db_password: '***',
    nested: { api_key: '***', url: 'postgres://u:***@db:5432/x' },
  });
  assert.deepEqual(redacted.sinks[0].permissions.env, ['PG_PASSWORD']);
  assert.equal(config.iggy.password, 's3cret', 'the original is not modified');
  assert.equal((config.sinks[0].config.nested as Record<string, unknown>).api_key, 'nk');
  assert.ok(!JSON.stringify(redacted).includes('s3cret'));
  assert.ok(!JSON.stringify(redacted).includes('hunter2'));
});

test('the path of a connector without extension gets .wasm, as Iggy appends the OS extension', (t) => {
  const ws = workspace(t);
  ws.component('lib/stdout_sink.wasm');
  const config = parseConfig(`[sinks.s]\npath = "lib/stdout_sink"\n[[sinks.s.streams]]\nstream = "a"\ntopics = ["b"]\n`, {
    file: join(ws.dir, 'c.toml'),
    env: {},
  });
  assert.equal(config.sinks[0].path, ws.path('lib/stdout_sink.wasm'));
});
