// The healthy pipeline every hostile-guest test runs beside: the JS random source into
// ops/numbers, the Rust file sink writing what it reads to <dir>/out/messages.ndjson. A
// test asserts that it delivers every message whatever its hostile neighbours do.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { guestPath } from '../helpers/paths.js';
import { eventually } from '../helpers/runtime-process.js';

export interface NeighbourOptions {
  /** Messages the source produces in all. */
  total: number;
  /** Messages per source poll. */
  perPoll: number;
  /** The file sink's batch size. */
  sinkBatch: number;
}

/** The `[sources.numbers]` and `[sinks.file]` tables; the file sink writes under `<dir>/out`. */
export function neighbourPipelineToml(dir: string, { total, perPoll, sinkBatch }: NeighbourOptions): string {
  return `
[sources.numbers]
path = "${guestPath('js', 'random-source')}"
poll_interval = "20ms"
[[sources.numbers.streams]]
stream = "ops"
topic = "numbers"
schema = "json"
[sources.numbers.config]
count = ${perPoll}
max_messages = ${total}
payload_size = 16

[sinks.file]
path = "${guestPath('rust', 'file-sink')}"
[[sinks.file.streams]]
stream = "ops"
topics = ["numbers"]
schema = "json"
batch_size = ${sinkBatch}
poll_interval = "5ms"
consumer_group = "file_sink"
[sinks.file.config]
path = "/out/messages.ndjson"
[sinks.file.permissions]
preopens = [{ host = "${join(dir, 'out')}", guest = "/out", read_only = false }]
`;
}

/** The lines the neighbour's file sink has written so far. */
export async function neighbourLines(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'out', 'messages.ndjson'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

/** Waits until the neighbour's file sink wrote `total` lines (at most `timeoutMs`), and returns them. */
export function neighbourDelivered(dir: string, total: number, timeoutMs: number, context: () => string): Promise<string[]> {
  return eventually(
    async () => {
      const lines = await neighbourLines(dir);
      return lines.length >= total ? lines : undefined;
    },
    timeoutMs,
    `${total} lines from the file sink`,
    context,
  );
}

/** A hostile sink's table: it reads hostile/in in batches of 5, restarts fast and gives up after 2 failures. */
export function hostileSinkToml(key: string, path: string, extra = ''): string {
  return `
[sinks.${key}]
path = "${path}"
[[sinks.${key}.streams]]
stream = "hostile"
topics = ["in"]
schema = "json"
batch_size = 5
consumer_group = "${key}"
[sinks.${key}.restart]
initial_delay = "200ms"
max_delay = "1s"
max_restarts = 2
${extra}
`;
}
