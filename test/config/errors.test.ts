// Every kind of configuration problem, each reported with its exact path and message,
// all of them at once in one ConfigError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig, type ConfigProblem } from '../../runtime/config/index.js';
import { workspace, type Workspace } from './workspace.js';

const SINK = `[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
`;

const byPath = (a: ConfigProblem, b: ConfigProblem) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.message < b.message ? -1 : 1);
const sorted = (problems: ConfigProblem[]) => [...problems].sort(byPath);

/** Parses `text` in a workspace holding c.wasm and returns the problems it raised, sorted by path. */
function problemsOf(ws: Workspace, text: string, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  ws.component('c.wasm');
  try {
    parseConfig(text, { file: ws.path('runtime.toml'), env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'CONFIG_INVALID');
    return sorted(error.problems);
  }
  assert.fail(`expected problems for:\n${text}`);
}

test('a wrong value type is reported at its path, quoting what was found', (t) => {
  const ws = workspace(t);
  const text =
    SINK.replace('topics = ["tp"]', 'topics = ["tp"]\nbatch_size = "ten"\npoll_interval = "5 parsecs"\nschema = "xml"') +
    `
[sinks.s.limits]
memory_limit = "lots"
call_timeout = "0s"
[sinks.s.restart]
max_restarts = -1
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      { path: 'sinks.s.streams[0].batch_size', message: 'expected a positive integer, got "ten"' },
      {
        path: 'sinks.s.streams[0].poll_interval',
        message: 'expected a duration like "5ms", "1.5s", "2m", "1h", "500us" or an integer of milliseconds, got "5 parsecs"',
      },
      { path: 'sinks.s.streams[0].schema', message: 'expected one of "json", "raw", "text", "proto", "avro", "flatbuffer", got "xml"' },
      { path: 'sinks.s.limits.memory_limit', message: 'expected a size like "64 MiB", "1GB" or an integer of bytes, got "lots"' },
      { path: 'sinks.s.limits.call_timeout', message: 'expected a duration greater than zero, got "0s"' },
      { path: 'sinks.s.restart.max_restarts', message: 'expected a non-negative integer, got -1' },
    ]),
  );
});

test('an unknown key is an error with a "did you mean" hint, or the list of keys when nothing is close', (t) => {
  const ws = workspace(t);
  const text = `[iggy]
adress = "127.0.0.1:8090"
[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
batch_sise = 10
[sinks.s.limits]
zzzzzzzzzz = 1
[sink.s]
x = 1
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      { path: 'iggy.adress', message: 'unknown key `adress`; did you mean `address`?' },
      { path: 'sinks.s.streams[0].batch_sise', message: 'unknown key `batch_sise`; did you mean `batch_size`?' },
      { path: 'sinks.s.limits.zzzzzzzzzz', message: 'unknown key `zzzzzzzzzz`; expected one of: memory_limit, call_timeout' },
      { path: 'sink', message: 'unknown key `sink`; did you mean `sinks`?' },
    ]),
  );
});

test('missing required keys are named', (t) => {
  const ws = workspace(t);
  const text = `[sinks.a]
name = "no path, no streams"
[sinks.b]
path = "c.wasm"
[[sinks.b.streams]]
schema = "json"
[sources.r]
path = "c.wasm"
streams = [{ stream = "st" }]
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      { path: 'sinks.a.path', message: "required key `path` is missing: the connector component's .wasm file" },
      { path: 'sinks.a.streams', message: 'required key `streams` is missing: at least one [[streams]] entry' },
      { path: 'sinks.b.streams[0].stream', message: 'required key `stream` is missing: the stream to consume from' },
      { path: 'sinks.b.streams[0].topics', message: 'required key `topics` is missing: the topics to consume, e.g. ["events"]' },
      { path: 'sources.r.streams[0].topic', message: 'required key `topic` is missing: the topic to produce to' },
    ]),
  );
});

test('a component that does not exist is named by its resolved path, with a build hint under guest-examples/', (t) => {
  const ws = workspace(t);
  const text = `${SINK}
[sinks.g]
path = "guest-examples/js/stdout-sink/stdout_sink.wasm"
[[sinks.g.streams]]
stream = "st"
topics = ["tp"]
[sinks.h]
path = "build/h.wasm"
[[sinks.h.streams]]
stream = "st"
topics = ["tp"]
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      {
        path: 'sinks.g.path',
        message: `component not found: ${ws.path('guest-examples/js/stdout-sink/stdout_sink.wasm')}; build the guests with \`npm run build:guests\``,
      },
      { path: 'sinks.h.path', message: `component not found: ${ws.path('build/h.wasm')}` },
    ]),
  );
});

test('transforms on a schema other than JSON are an error; *_convert transforms and disabled ones are not', (t) => {
  const ws = workspace(t);
  const text = `[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
[[sinks.s.streams]]
stream = "st"
topics = ["raw"]
schema = "raw"
[sinks.s.transforms.add_fields]
fields = []
[sinks.s.transforms.delete_fields]
enabled = false
[sinks.s.transforms.proto_convert]
enabled = true
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      {
        path: 'sinks.s.transforms.add_fields',
        message: 'transforms act on JSON payloads, but `streams[1]` uses schema "raw"; remove the transform or use schema = "json"',
      },
    ]),
  );
});

test('batch_size and its Iggy spelling batch_length together are an error', (t) => {
  const ws = workspace(t);
  const text = SINK.replace('topics = ["tp"]', 'topics = ["tp"]\nbatch_size = 10\nbatch_length = 20');
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([{ path: 'sinks.s.streams[0].batch_length', message: '`batch_length` is another name for `batch_size`; set only one of them' }]),
  );
});

test('rules between keys: dead letter target, delays, partitioning, addresses, preopens, credentials', (t) => {
  const ws = workspace(t);
  const text = `[iggy]
address = "localhost"
username = "only-user"
[http]
address = "127.0.0.1:99999"
[sinks.s]
path = "c.wasm"
[[sinks.s.streams]]
stream = "st"
topics = ["tp"]
[sinks.s.errors]
on_permanent = "dead_letter"
retry_initial = "10s"
retry_max = "1s"
[sinks.s.restart]
initial_delay = "1m"
max_delay = "1s"
[sinks.s.permissions]
preopens = [{ host = "missing-dir", guest = "data" }]
env = ["NOT-A-NAME"]
allowed_hosts = ["http://db:5432", "db:"]
stdio = "screen"
[sources.r]
path = "c.wasm"
[[sources.r.streams]]
stream = "st"
topic = "tp"
partitioning = "random"
[[sources.r.streams]]
stream = "st"
topic = "tp"
partitioning = { partition_id = 1, messages_key = "k" }
`;
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([
      { path: 'iggy.address', message: 'expected "host:port" with a port in 1-65535, e.g. "127.0.0.1:8090", got "localhost"' },
      { path: 'iggy.password', message: 'required key `password` is missing: `username` is set, so a password is needed too (or use `token`)' },
      { path: 'http.address', message: 'expected "host:port" with a port in 0-65535, e.g. "127.0.0.1:8081", got "127.0.0.1:99999"' },
      { path: 'sinks.s.permissions.preopens[0].guest', message: 'expected an absolute guest path starting with "/", got "data"' },
      { path: 'sinks.s.permissions.preopens[0].host', message: `directory not found: ${ws.path('missing-dir')}` },
      { path: 'sinks.s.permissions.env[0]', message: 'expected an environment variable name, got "NOT-A-NAME"' },
      {
        path: 'sinks.s.permissions.allowed_hosts[0]',
        message: 'expected "host", "host:port", "*.domain:port", "[ipv6]:port", "*:port" or "*" (no scheme, no path, port 0-65535 or *), got "http://db:5432"',
      },
      {
        path: 'sinks.s.permissions.allowed_hosts[1]',
        message: 'expected "host", "host:port", "*.domain:port", "[ipv6]:port", "*:port" or "*" (no scheme, no path, port 0-65535 or *), got "db:"',
      },
      { path: 'sinks.s.permissions.stdio', message: 'expected one of "log", "inherit", "discard", got "screen"' },
      { path: 'sinks.s.restart.max_delay', message: 'must not be shorter than initial_delay (60000 ms), got 1000 ms' },
      { path: 'sinks.s.errors.retry_max', message: 'must not be shorter than retry_initial (10000 ms), got 1000 ms' },
      {
        path: 'sinks.s.errors.dead_letter',
        message: 'required key `dead_letter` is missing: on_permanent = "dead_letter" needs dead_letter = { stream = "...", topic = "..." }',
      },
      { path: 'sources.r.streams[0].partitioning', message: 'expected "balanced", { partition_id = <n> } or { messages_key = "<field>" }, got "random"' },
      {
        path: 'sources.r.streams[1].partitioning',
        message: 'expected "balanced", { partition_id = <n> } or { messages_key = "<field>" }, got a table with keys partition_id, messages_key',
      },
    ]),
  );
});

test('the error message lists every problem as "path: message", one per line', (t) => {
  const ws = workspace(t);
  ws.component('c.wasm');
  const file = ws.write('bad.toml', SINK.replace('topics = ["tp"]', 'topics = "tp"\nbatch_size = 0'));
  return assert.rejects(loadConfig(file, { env: {} }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.name, 'ConfigError');
    assert.equal(
      error.message,
      [
        `configuration has 2 problems in ${file}:`,
        'sinks.s.streams[0].topics: expected an array of strings, got "tp"',
        'sinks.s.streams[0].batch_size: expected a positive integer, got 0',
      ].join('\n'),
    );
    return true;
  });
});

test('a TOML syntax error names the file, line and column', (t) => {
  const ws = workspace(t);
  const file = ws.write('broken.toml', '[iggy]\naddress = "127.0.0.1:8090"\nusername = \n');
  return assert.rejects(loadConfig(file, { env: {} }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_SYNTAX');
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0].path, `${file}:3:12`);
    assert.match(error.problems[0].message, /^line 3, column 12: /);
    assert.match(error.message, new RegExp(`^configuration file is not valid TOML in ${file}:\\n${file}:3:12: line 3, column 12: `));
    return true;
  });
});

test('a missing file is CONFIG_NOT_FOUND naming the absolute path', (t) => {
  const ws = workspace(t);
  return assert.rejects(loadConfig(ws.path('nope.toml'), { env: {} }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_NOT_FOUND');
    assert.match(error.message, new RegExp(`no such file: ${ws.path('nope.toml')}`));
    return true;
  });
});

test('a connector key that cannot appear in URLs and variable names is refused', (t) => {
  const ws = workspace(t);
  const text = SINK.replaceAll('sinks.s', 'sinks."my sink"');
  assert.deepEqual(
    problemsOf(ws, text),
    sorted([{ path: 'sinks."my sink"', message: 'connector keys may contain only letters, digits, "_" and "-", got "my sink"' }]),
  );
});

test('a transform on a non-JSON stream is reported once, not again by the transform validator', (t) => {
  const ws = workspace(t);
  ws.component('c.wasm');
  const calls: string[] = [];
  const text =
    SINK.replace('topics = ["tp"]', 'topics = ["tp"]\nschema = "text"') + '[sinks.s.transforms.add_fields]\nfields = []\n[sinks.s.transforms.proto_convert]\n';
  assert.throws(
    () =>
      parseConfig(text, {
        file: ws.path('runtime.toml'),
        env: {},
        validateTransform: (name, _table, path, schema) => {
          calls.push(`${name}:${schema}`);
          return schema === 'json' ? [] : [{ path, message: `validator refuses ${schema}` }];
        },
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        {
          path: 'sinks.s.transforms.add_fields',
          message: 'transforms act on JSON payloads, but `streams[0]` uses schema "text"; remove the transform or use schema = "json"',
        },
        { path: 'sinks.s.transforms.proto_convert', message: 'validator refuses text' },
      ]);
      return true;
    },
  );
  assert.deepEqual(calls, ['proto_convert:text']);
});
