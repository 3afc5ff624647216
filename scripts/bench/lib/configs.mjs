// Runtime configs for the end-to-end runs: one connector each, written into the
// run's scratch folder (TOML, the same format users write; see docs/configuration.md).
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { root } from './children.mjs';

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
export async function sourceConfig({ dir, port, guest, stream, topic, count, perPoll = 1000, batch = 1000, payloadSize = 64 }) {
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
linger_time = "5ms"
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
