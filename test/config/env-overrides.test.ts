// Environment overrides in Iggy's scheme, each value typed by the key it replaces.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig, type SinkConfig, type SourceConfig } from '../../runtime/config/index.js';
import { workspace, type Workspace } from './workspace.js';

const BASE = `
[iggy]
address = "127.0.0.1:8090"
username = "iggy"
password = "iggy"

[http]
enabled = false

[sinks.my]
path = "c.wasm"
[[sinks.my.streams]]
stream = "st"
topics = ["tp"]
batch_length = 100

[sinks.my_pg]
path = "c.wasm"
[[sinks.my_pg.streams]]
stream = "st"
topics = ["tp"]
[sinks.my_pg.config]
print_payload = true
db_password = "from-file"
db = { host = "localhost", port = 5432 }
tags = ["a"]
[sinks.my_pg.transforms.add_fields]
enabled = true
fields = []

[sources.gen]
path = "c.wasm"
[[sources.gen.streams]]
stream = "st"
topic = "tp"
[sources.gen.config]
count = 10
`;

function load(ws: Workspace, env: NodeJS.ProcessEnv) {
  ws.component('c.wasm');
  ws.write('out/.keep', '');
  return parseConfig(BASE, { file: ws.path('runtime.toml'), env });
}

test('runtime sections: strings, booleans and string lists', (t) => {
  const config = load(workspace(t), {
    IGGY_CONNECTORS_IGGY_ADDRESS: '10.1.1.1:9090',
    IGGY_CONNECTORS_IGGY_PASSWORD: '12345',
    IGGY_CONNECTORS_IGGY_TLS_DOMAIN: 'iggy.example',
    IGGY_CONNECTORS_HTTP_ENABLED: 'TRUE',
    IGGY_CONNECTORS_HTTP_API_KEY: 'k',
    IGGY_CONNECTORS_HTTP_CORS_ENABLED: 'true',
    IGGY_CONNECTORS_HTTP_CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    IGGY_CONNECTORS_STATE_PATH: '/var/lib/iggy-connectors',
  });
  assert.deepEqual(config.iggy, {
    address: '10.1.1.1:9090',
    host: '10.1.1.1',
    port: 9090,
    username: 'iggy',
    password: '12345',
    tls: { enabled: false, domain: 'iggy.example' },
  });
  assert.deepEqual(config.http, { enabled: true, address: '127.0.0.1:8081', apiKey: 'k', corsOrigins: ['https://a.example', 'https://b.example'] });
  assert.equal(config.state.path, '/var/lib/iggy-connectors');
});

test('connector keys: numbers, durations, sizes, lists and JSON tables, under keys containing underscores', (t) => {
  const config = load(workspace(t), {
    IGGY_CONNECTORS_SINK_MY_ENABLED: 'false',
    // The file spells it batch_length; the override lands on the same key whichever spelling it uses.
    IGGY_CONNECTORS_SINK_MY_STREAMS_0_BATCH_SIZE: '7',
    IGGY_CONNECTORS_SINK_MY_STREAMS_0_POLL_INTERVAL: '250',
    IGGY_CONNECTORS_SINK_MY_STREAMS_0_TOPICS: '["x", "y"]',
    IGGY_CONNECTORS_SINK_MY_PG_STREAMS_0_TOPICS: '[p, q]',
    IGGY_CONNECTORS_SINK_MY_PG_STREAMS_0_POLL_INTERVAL: '1.5s',
    IGGY_CONNECTORS_SINK_MY_PG_LIMITS_MEMORY_LIMIT: '32 MiB',
    IGGY_CONNECTORS_SINK_MY_PG_LIMITS_CALL_TIMEOUT: '2s',
    IGGY_CONNECTORS_SINK_MY_PG_VERSION: '4',
    IGGY_CONNECTORS_SINK_MY_PG_ERRORS_ON_PERMANENT: 'dead_letter',
    IGGY_CONNECTORS_SINK_MY_PG_ERRORS_DEAD_LETTER: '{"stream":"dlq","topic":"pg"}',
    IGGY_CONNECTORS_SINK_MY_PG_PERMISSIONS_PREOPENS: '[{"host":"out","guest":"/out","read_only":false}]',
    IGGY_CONNECTORS_SINK_MY_PG_PERMISSIONS_ENV: 'PG_PASSWORD,PG_USER',
    IGGY_CONNECTORS_SINK_MY_PG_TRANSFORMS_ADD_FIELDS_ENABLED: 'false',
    IGGY_CONNECTORS_SOURCE_GEN_POLL_INTERVAL: '2m',
    IGGY_CONNECTORS_SOURCE_GEN_STREAMS_0_LINGER_TIME: '500us',
    IGGY_CONNECTORS_SOURCE_GEN_STREAMS_0_PARTITIONING: '{"partition_id": 3}',
  });
  const [my, pg] = config.sinks as SinkConfig[];
  assert.equal(my.enabled, false);
  assert.equal(my.streams[0].batchSize, 7);
  assert.equal(my.streams[0].pollIntervalMs, 250);
  assert.deepEqual(my.streams[0].topics, ['x', 'y']);
  assert.equal(pg.enabled, true, 'MY_PG_* did not touch `my`, and MY_* did not touch `my_pg`');
  assert.deepEqual(pg.streams[0].topics, ['p', 'q']);
  assert.equal(pg.streams[0].pollIntervalMs, 1500);
  assert.deepEqual(pg.limits, { memoryLimitBytes: 32 * 1024 * 1024, callTimeoutMs: 2000 });
  assert.equal(pg.version, 4);
  assert.equal(pg.errors.onPermanent, 'dead_letter');
  assert.deepEqual(pg.errors.deadLetter, { stream: 'dlq', topic: 'pg' });
  assert.deepEqual(pg.permissions.preopens, [{ hostPath: workspacePath(config.file, 'out'), guestPath: '/out', readOnly: false }]);
  assert.deepEqual(pg.permissions.env, ['PG_PASSWORD', 'PG_USER']);
  assert.equal(pg.transforms[0].enabled, false);
  const [gen] = config.sources as SourceConfig[];
  assert.equal(gen.pollIntervalMs, 120_000);
  assert.equal(gen.streams[0].lingerMs, 0.5);
  assert.deepEqual(gen.streams[0].partitioning, { kind: 'partition_id', partitionId: 3 });
});

function workspacePath(file: string | undefined, relative: string): string {
  return join(dirname(file ?? ''), relative);
}

test("a guest's config: CONFIG_ and Iggy's PLUGIN_CONFIG_, typed like the value they replace", (t) => {
  const config = load(workspace(t), {
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_PRINT_PAYLOAD: 'false',
    IGGY_CONNECTORS_SINK_MY_PG_PLUGIN_CONFIG_DB_PASSWORD: '12345',
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_DB_PORT: '6543',
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_TAGS: '["b","c"]',
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_MAX_ROWS: '42',
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_MODE: 'upsert',
    // `print_payload` is a boolean, not a table: PRINT_PAYLOAD_X is a new key, not a path into it.
    IGGY_CONNECTORS_SINK_MY_PG_CONFIG_PRINT_PAYLOAD_X: 'x',
    'IGGY_CONNECTORS_SINK_MY-PG_CONFIG_MODE_2': 'b',
    IGGY_CONNECTORS_SINK_MY_CONFIG_FLAG: 'true',
    IGGY_CONNECTORS_SOURCE_GEN_CONFIG_COUNT: '3',
  });
  const [my, pg] = config.sinks;
  assert.deepEqual(pg.config, {
    print_payload: false,
    db_password: '12345',
    db: { host: 'localhost', port: 6543 },
    tags: ['b', 'c'],
    max_rows: 42,
    mode: 'upsert',
    mode_2: 'b',
    print_payload_x: 'x',
  });
  assert.deepEqual(my.config, { flag: true });
  assert.deepEqual(config.sources[0].config, { count: 3 });
});

test('empty variables and variables outside the configuration sections are left alone', (t) => {
  const config = load(workspace(t), {
    IGGY_CONNECTORS_IGGY_ADDRESS: '',
    IGGY_CONNECTORS_LOG_LEVEL: 'debug',
    IGGY_CONNECTORS_CONFIG_PATH: '/etc/x.toml',
    IGGY_CONNECTORS_TELEMETRY_ENABLED: 'true',
    OTHER_SINK_MY_ENABLED: 'false',
  });
  assert.equal(config.iggy.address, '127.0.0.1:8090');
  assert.equal(config.sinks[0].enabled, true);
});

test('an override that matches no key, or does not fit its key, is a problem naming the variable', (t) => {
  const ws = workspace(t);
  assert.throws(
    () =>
      load(ws, {
        IGGY_CONNECTORS_IGGY_ADRESS: '1.2.3.4:1',
        IGGY_CONNECTORS_SINK_NOPE_ENABLED: 'true',
        IGGY_CONNECTORS_SINK_MY_STREAMS_0_BATCH_SIZ: '5',
        IGGY_CONNECTORS_SINK_MY_STREAMS_3_STREAM: 'x',
        IGGY_CONNECTORS_SINK_MY_VERBOSE: 'yes',
        IGGY_CONNECTORS_SINK_MY_STREAMS_0_BATCH_SIZE: 'many',
        IGGY_CONNECTORS_SINK_MY_ERRORS_DEAD_LETTER: '{stream: dlq}',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        { path: 'IGGY_CONNECTORS_IGGY_ADRESS', message: 'no configuration key matches `ADRESS` under `iggy`; did you mean `ADDRESS`?' },
        {
          path: 'sinks.my.errors.dead_letter',
          message: 'expected a table written as JSON, got "{stream: dlq}" (set by environment variable IGGY_CONNECTORS_SINK_MY_ERRORS_DEAD_LETTER)',
        },
        {
          path: 'IGGY_CONNECTORS_SINK_MY_STREAMS_0_BATCH_SIZ',
          message: 'no configuration key matches `BATCH_SIZ` under `sinks.my.streams[0]`; did you mean `BATCH_SIZE`?',
        },
        { path: 'IGGY_CONNECTORS_SINK_MY_STREAMS_3_STREAM', message: 'no configuration key matches `3_STREAM` under `sinks.my.streams`; known: 0, 1' },
        { path: 'IGGY_CONNECTORS_SINK_NOPE_ENABLED', message: 'no configuration key matches `NOPE_ENABLED` under `sinks`; known: MY, MY_PG' },
        { path: 'sinks.my.verbose', message: 'expected a boolean (true or false), got "yes" (set by environment variable IGGY_CONNECTORS_SINK_MY_VERBOSE)' },
        {
          path: 'sinks.my.streams[0].batch_length',
          message: 'expected a positive integer, got "many" (set by environment variable IGGY_CONNECTORS_SINK_MY_STREAMS_0_BATCH_SIZE)',
        },
      ]);
      return true;
    },
  );
});
