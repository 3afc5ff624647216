// The shipped configs (config/demo.toml, config/examples/*.toml) stay valid: each is
// loaded from a copy of config/ whose components are placeholders created where the
// config says they are, so the check does not depend on the guests being built.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../runtime/config/index.js';
import { COMPONENT_PREAMBLE, workspace } from './workspace.js';

const CONFIG_DIR = fileURLToPath(new URL('../../../config', import.meta.url));
const examples = [
  'demo.toml',
  ...readdirSync(join(CONFIG_DIR, 'examples'))
    .filter((f) => f.endsWith('.toml'))
    .map((f) => join('examples', f)),
];

for (const example of examples) {
  test(`config/${example} is valid`, async (t) => {
    const ws = workspace(t);
    cpSync(CONFIG_DIR, ws.path('config'), { recursive: true });
    const file = ws.path(join('config', example));
    let missing: string[] = [];
    try {
      await loadConfig(file, { env: {} });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      missing = error.problems.map((p) => {
        const m = /^(?:component|directory) not found: (\S+?);?(?: build the guests.*)?$/.exec(p.message);
        assert.ok(m, `unexpected problem ${p.path}: ${p.message}`);
        assert.ok(m[1].startsWith(ws.dir + sep), `${p.path} points outside the project: ${m[1]}`);
        return p.message.startsWith('component') ? m[1] : `${m[1]}${sep}`;
      });
    }
    for (const path of missing) {
      if (path.endsWith(sep)) mkdirSync(path, { recursive: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, COMPONENT_PREAMBLE);
      }
    }
    const config = await loadConfig(file, { env: {} });
    assert.ok(config.sinks.length + config.sources.length > 0, 'an example declares at least one connector');
    for (const c of [...config.sinks, ...config.sources]) {
      assert.ok(c.path.startsWith(ws.path(`guest-examples${sep}`)), `${c.tomlPath}.path resolves into guest-examples/: ${c.path}`);
    }
  });
}

test('config/demo.toml is the quickstart pipeline: random source -> example_stream/example_topic -> stdout sink with add_fields', async (t) => {
  const ws = workspace(t);
  cpSync(CONFIG_DIR, ws.path('config'), { recursive: true });
  for (const g of ['js/random-source/random_source.wasm', 'js/stdout-sink/stdout_sink.wasm']) {
    mkdirSync(dirname(ws.path(join('guest-examples', g))), { recursive: true });
    writeFileSync(ws.path(join('guest-examples', g)), COMPONENT_PREAMBLE);
  }
  const config = await loadConfig(ws.path('config/demo.toml'), { env: {} });
  assert.deepEqual(
    { address: config.iggy.address, username: config.iggy.username, password: config.iggy.password },
    { address: '127.0.0.1:8090', username: 'iggy', password: 'iggy' },
  );
  assert.deepEqual(
    config.sources.map((s) => [s.key, s.path, s.streams.map((x) => `${x.stream}/${x.topic}`)]),
    [['random', ws.path('guest-examples/js/random-source/random_source.wasm'), ['example_stream/example_topic']]],
  );
  assert.deepEqual(
    config.sinks.map((s) => [s.key, s.path, s.streams.map((x) => `${x.stream}/${x.topics.join(',')}`), s.transforms.map((x) => x.name)]),
    [['stdout', ws.path('guest-examples/js/stdout-sink/stdout_sink.wasm'), ['example_stream/example_topic'], ['add_fields']]],
  );
});
