// Iggy's connector directory layout: one file per connector, versions, env overrides,
// duplicates; the fixture under fixtures/iggy-layout/ is written in Iggy's own layout.
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type SourceConfig } from '../../runtime/config/index.js';
import { workspace, type Workspace } from './workspace.js';

const FIXTURE = fileURLToPath(new URL('../../../test/config/fixtures/iggy-layout', import.meta.url));

/** A copy of the fixture with its (placeholder) components, so tests may add files to it. */
function iggyLayout(ws: Workspace): string {
  cpSync(FIXTURE, ws.dir, { recursive: true });
  ws.component('connectors/components/stdout_sink.wasm');
  ws.component('connectors/components/random_source.wasm');
  return ws.path('config.toml');
}

async function problemsOf(file: string, env: NodeJS.ProcessEnv = {}) {
  try {
    await loadConfig(file, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected the config to be refused');
}

test("Iggy's runtime file and connector files load unchanged apart from `path`", async (t) => {
  const ws = workspace(t);
  const config = await loadConfig(iggyLayout(ws), { env: {} });

  assert.deepEqual(config.iggy, {
    address: 'localhost:8090',
    host: 'localhost',
    port: 8090,
    username: 'iggy',
    password: 'iggy',
    tls: { enabled: false, caFile: ws.path('certs/ca.pem') },
  });
  assert.deepEqual(config.http, { enabled: true, address: '127.0.0.1:0', corsOrigins: [] });
  assert.equal(config.state.path, ws.path('local_state'));

  assert.equal(config.sinks.length, 1);
  const [sink] = config.sinks;
  assert.equal(sink.key, 'stdout');
  assert.equal(sink.name, 'Console sink');
  assert.equal(sink.sourceFile, ws.path('connectors/stdout_sink.toml'));
  assert.equal(sink.tomlPath, 'sinks.stdout');
  assert.equal(sink.path, ws.path('connectors/components/stdout_sink.wasm'));
  assert.deepEqual(sink.config, { print_payload: true });
  assert.deepEqual(sink.streams, [
    {
      stream: 'orders',
      topics: ['created', 'paid'],
      schema: 'json',
      batchSize: 100,
      pollIntervalMs: 10,
      consumerGroup: 'console',
      path: 'sinks.stdout.streams[0]',
    },
  ]);
  assert.deepEqual(sink.transforms, [
    { name: 'add_fields', enabled: true, options: { fields: [{ key: 'origin', value: { static: 'console' } }] }, path: 'sinks.stdout.transforms.add_fields' },
  ]);

  // Two versions of `random`: the highest is active when no .active_versions.toml says otherwise.
  assert.equal(config.sources.length, 1);
  const source = config.sources[0] as SourceConfig;
  assert.equal(source.version, 1);
  assert.equal(source.sourceFile, ws.path('connectors/random_source_v1.toml'));
  assert.deepEqual(source.config, { count: 1000 });
  assert.equal(source.streams[0].batchSize, 50);
  assert.equal(source.streams[0].lingerMs, 1000);
});

test('.active_versions.toml picks the version to load, as in Iggy', async (t) => {
  const ws = workspace(t);
  const file = iggyLayout(ws);
  ws.write('connectors/.active_versions.toml', '[sources]\nrandom = 0\n');
  const config = await loadConfig(file, { env: {} });
  assert.equal(config.sources[0].version, 0);
  assert.deepEqual(config.sources[0].config, { count: 5 });

  ws.write('connectors/.active_versions.toml', '[sources]\nrandom = 7\n');
  assert.deepEqual(await problemsOf(file), [{ path: 'sources.random', message: '.active_versions.toml selects version 7, but only versions 0, 1 exist' }]);
});

test('environment overrides reach connector files, and the directory itself', async (t) => {
  const ws = workspace(t);
  const file = iggyLayout(ws);
  cpSync(ws.path('connectors'), ws.path('other'), { recursive: true });
  rmSync(ws.path('other/random_source_v1.toml'));
  const config = await loadConfig(file, {
    env: {
      IGGY_CONNECTORS_CONNECTORS_CONFIG_DIR: 'other',
      IGGY_CONNECTORS_SINK_STDOUT_PLUGIN_CONFIG_PRINT_PAYLOAD: 'false',
      IGGY_CONNECTORS_SINK_STDOUT_STREAMS_0_BATCH_LENGTH: '9',
      IGGY_CONNECTORS_SOURCE_RANDOM_ENABLED: 'false',
    },
  }).catch((error: unknown) => assert.fail(String(error)));
  assert.equal(config.sinks[0].sourceFile, ws.path('other/stdout_sink.toml'));
  assert.deepEqual(config.sinks[0].config, { print_payload: false });
  assert.equal(config.sinks[0].streams[0].batchSize, 9);
  assert.equal(config.sources[0].enabled, false);
  assert.equal(config.sources[0].version, 0, 'only version 0 is left in the other directory');
});

test('problems inside a connector file name the file', async (t) => {
  const ws = workspace(t);
  const file = iggyLayout(ws);
  ws.write(
    'connectors/stdout_sink.toml',
    'type = "sink"\nkey = "stdout"\npath = "components/stdout_sink"\n[[streams]]\nstream = "s"\ntopics = ["t"]\nbatch_length = "x"\n',
  );
  ws.write('connectors/broken_type.toml', 'type = "pipe"\nkey = "b"\n');
  ws.write('connectors/no_key.toml', 'type = "sink"\n');
  assert.deepEqual(
    await problemsOf(file),
    [
      { path: 'connectors/broken_type.toml: type', message: 'expected "sink" or "source", got "pipe"' },
      { path: 'connectors/no_key.toml: key', message: "required key `key` is missing: the connector's unique key" },
      { path: 'sinks.stdout.streams[0].batch_length', message: `expected a positive integer, got "x" (in ${ws.path('connectors/stdout_sink.toml')})` },
    ].map((p) => (p.path.startsWith('connectors/') ? { ...p, path: `${ws.path(p.path.split(':')[0])}:${p.path.split(':')[1]}` } : p)),
  );
});

test('duplicate connector keys across files are errors', async (t) => {
  const ws = workspace(t);
  const file = iggyLayout(ws);
  ws.write(
    'connectors/stdout_copy.toml',
    'type = "sink"\nkey = "stdout"\nversion = 0\npath = "components/stdout_sink"\n[[streams]]\nstream = "s"\ntopics = ["t"]\n',
  );
  assert.deepEqual(await problemsOf(file), [
    {
      path: 'sinks.stdout',
      message: `duplicate connector key \`stdout\` (version 0) in ${ws.path('connectors/stdout_copy.toml')} and ${ws.path('connectors/stdout_sink.toml')}; keys must be unique`,
    },
  ]);

  const ws2 = workspace(t);
  const file2 = iggyLayout(ws2);
  ws2.write(
    'config.toml',
    `[connectors]\nconfig_dir = "connectors"\n[sinks.stdout]\npath = "connectors/components/stdout_sink.wasm"\n[[sinks.stdout.streams]]\nstream = "s"\ntopics = ["t"]\n`,
  );
  assert.deepEqual(await problemsOf(file2), [
    {
      path: 'sinks.stdout',
      message: `duplicate connector key \`stdout\`: defined in ${file2} and in ${ws2.path('connectors/stdout_sink.toml')}; keys must be unique`,
    },
  ]);
});

test('a config_dir that does not exist is an error naming the resolved directory', async (t) => {
  const ws = workspace(t);
  const file = ws.write('c.toml', '[connectors]\nconfig_dir = "nowhere"\n');
  assert.deepEqual(await problemsOf(file), [{ path: 'connectors.config_dir', message: `directory not found: ${ws.path('nowhere')}` }]);
});
