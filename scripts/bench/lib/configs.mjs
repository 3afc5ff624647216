// Runtime configs for the end-to-end runs: one connector each, written into the
// run's scratch folder (TOML, the same format users write; see docs/configuration.md).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { root, IGGY_HOME } from './children.mjs';

export const GUESTS = {
  'rust-count': join(root, 'guest-examples/rust/count-sink/count_sink.wasm'),
  'js-count': join(root, 'guest-examples/js/count-sink/count_sink.wasm'),
  // Optional: measured when built (node scripts/build-guests.mjs --only=go), skipped otherwise.
  'go-count': join(root, 'guest-examples/go/count-sink/count_sink.wasm'),
  'rust-random': join(root, 'guest-examples/rust/random-source/random_source.wasm'),
  'js-random': join(root, 'guest-examples/js/random-source/random_source.wasm'),
};

/** Guests a run can do without; the others must be built. */
export const OPTIONAL_GUESTS = new Set(['go-count']);

/** The real connectors of the connectors suite; only that suite needs them built. */
export const CONNECTOR_GUESTS = {
  'rust-postgres': join(root, 'guest-examples/rust/postgres-sink/postgres_sink.wasm'),
  'rust-http': join(root, 'guest-examples/rust/http-sink/http_sink.wasm'),
};

const str = (s) => JSON.stringify(s);

function head(port, dir) {
  return `[iggy]
address = ${str(`127.0.0.1:${port}`)}
username = "iggy"
password = "iggy"

[state]
path = ${str(join(dir, 'state'))}

[http]
enabled = false
`;
}

/**
 * One sink on stream/topic with a consumer group, optionally with an add_fields transform.
 * `config` values are strings, numbers or booleans; `allowedHosts` ("host:port") grants network access.
 */
export async function sinkConfig({ dir, port, guest, stream, topic, group, batch = 1000, pollInterval = '5ms', addFields = false, schema = 'json', config = {}, allowedHosts = [] }) {
  await mkdir(dir, { recursive: true });
  let text = `${head(port, dir)}
[sinks.bench]
path = ${str(GUESTS[guest] ?? CONNECTOR_GUESTS[guest])}

[[sinks.bench.streams]]
stream = ${str(stream)}
topics = [${str(topic)}]
schema = ${str(schema)}
batch_size = ${batch}
poll_interval = ${str(pollInterval)}
consumer_group = ${str(group)}

[sinks.bench.permissions]
allowed_hosts = [${allowedHosts.map(str).join(', ')}]

[sinks.bench.config]
${Object.entries(config).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n')}
`;
  if (addFields) {
    text += `
[sinks.bench.transforms.add_fields]
enabled = true

[[sinks.bench.transforms.add_fields.fields]]
key = "service"
value.static = "checkout"
`;
  }
  const path = join(dir, 'runtime.toml');
  await writeFile(path, text);
  return path;
}

/** The random source producing `count` messages (max_messages), `perPoll` per guest poll. */
export async function sourceConfig({ dir, port, guest, stream, topic, count, perPoll = 1000, batch = 1000, payloadSize = 64, lingerTime = '5ms' }) {
  await mkdir(dir, { recursive: true });
  const text = `${head(port, dir)}
[sources.bench]
path = ${str(GUESTS[guest])}
poll_interval = "1ms"

[[sources.bench.streams]]
stream = ${str(stream)}
topic = ${str(topic)}
schema = "json"
batch_size = ${batch}
linger_time = ${str(lingerTime)}
partitioning = { partition_id = 0 }

[sources.bench.config]
count = ${perPoll}
max_messages = ${count}
payload_size = ${payloadSize}
`;
  const path = join(dir, 'runtime.toml');
  await writeFile(path, text);
  return path;
}

/**
 * Iggy's native runtime: its config templates (../shared/iggy/config/native/) copied into `dir`
 * with the placeholders filled; the connector files go to `dir/connectors`. Returns the runtime
 * config's path (IGGY_CONNECTORS_CONFIG_PATH).
 */
async function nativeRuntimeConfig({ dir, port, stream, topic, connectors }) {
  const fill = (text) =>
    text
      .replaceAll('PORT', String(port))
      .replaceAll('STATE_DIR', join(dir, 'state'))
      .replaceAll('CONNECTORS_DIR', join(dir, 'connectors'))
      .replaceAll('BIN_DIR', join(IGGY_HOME, 'bin'))
      .replaceAll('STREAM', stream)
      .replaceAll('TOPIC', topic);
  await mkdir(join(dir, 'connectors'), { recursive: true });
  await mkdir(join(dir, 'state'), { recursive: true });
  const template = (name) => readFile(join(IGGY_HOME, 'config/native', name), 'utf8');
  for (const [name, text] of Object.entries(connectors)) await writeFile(join(dir, 'connectors', name), fill(typeof text === 'function' ? text(await template(name)) : text));
  const path = join(dir, 'runtime.toml');
  await writeFile(path, fill(await template('runtime.toml')));
  return path;
}

/** Sets `key = value` in the first table of a TOML text that has the key, or fails loudly. */
function setKey(text, key, value) {
  const re = new RegExp(`^${key}\\s*=.*$`, 'm');
  if (!re.test(text)) throw new Error(`the native config template has no ${key}; ../shared/iggy/config/native/ is not the one this bench knows`);
  return text.replace(re, `${key} = ${value}`);
}

/**
 * The native stdout sink (print_payload = false, from the template) on stream/topic with
 * `group`, batch 1,000 and `poll_interval = pacing`; optionally with an add_fields transform
 * of the same field the project's sink adds.
 */
export async function nativeSinkConfig({ dir, port, stream, topic, group, pacing, batch = 1000, addFields = false }) {
  const edit = (text) => {
    let out = setKey(text, 'batch_length', String(batch));
    out = setKey(out, 'poll_interval', str(pacing));
    out = setKey(out, 'consumer_group', str(group));
    if (addFields) out += `
[transforms.add_fields]
enabled = true

[[transforms.add_fields.fields]]
key = "service"
value.static = "checkout"
`;
    return out;
  };
  return nativeRuntimeConfig({ dir, port, stream, topic, connectors: { 'stdout_sink.toml': edit } });
}

/**
 * The native random source: `count` messages (max_count), 1,000 per poll (messages_range is
 * [min, max) in the plugin), sent in batches of 1,000 with `linger_time = pacing`, the plugin's
 * own sleep before each poll (`interval`) also `pacing`. `textSize` sets the payload size: a
 * record {"id":<uuid>,"title":"Hello","name":"World","text":<textSize chars>} is 86 + textSize bytes.
 */
export async function nativeSourceConfig({ dir, port, stream, topic, count, pacing, textSize, batch = 1000 }) {
  const text = `type = "source"
key = "random"
enabled = true
version = 0
name = "Random source"
path = "BIN_DIR/libiggy_connector_random_source"
verbose = false

[[streams]]
stream = "STREAM"
topic = "TOPIC"
schema = "json"
batch_length = ${batch}
linger_time = ${str(pacing)}

[plugin_config]
interval = ${str(pacing)}
max_count = ${count}
messages_range = [${batch}, ${batch + 1}]
payload_size = ${textSize}
`;
  return nativeRuntimeConfig({ dir, port, stream, topic, connectors: { 'random_source.toml': text } });
}
