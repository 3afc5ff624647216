// A whole runtime in the test process for the API tests: an Iggy target (the dev
// broker unless the test passes one, see test/helpers/iggy-target.ts), the
// supervisor with real guests in worker threads, and the HTTP API on port 0.
// The pipeline: the random JS source produces numbered JSON messages, the Rust
// file sink appends them to a file, so a test can count what really moved.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../../runtime/api/index.js';
import { parseConfig, type RuntimeConfig } from '../../runtime/config/index.js';
import { validateTransform } from '../../runtime/pipeline/transforms/index.js';
import { Supervisor } from '../../runtime/supervisor/supervisor.js';
import { startTarget, type IggyTarget } from '../helpers/iggy-target.js';
import { guestPath } from '../helpers/paths.js';
import { runtimeHeader } from '../helpers/runtime-process.js';

export interface PipelineOptions {
  /** Messages the source produces in all (`max_messages`). */
  total: number;
  /** Messages per source poll. */
  perPoll: number;
  /** Between source polls; paces the stream so a test can act mid-way. */
  pollInterval: string;
  apiKey?: string;
  corsOrigins?: string[];
  /** The Iggy to run against; default: a dev broker of its own, closed with the fixture. */
  target?: IggyTarget;
}

export interface RuntimeFixture {
  dir: string;
  target: IggyTarget;
  /** The stream the pipeline moves messages through (unique on the target). */
  stream: string;
  config: RuntimeConfig;
  supervisor: Supervisor;
  api: ApiServer;
  /** The file the sink appends to. */
  sinkFile: string;
  /** The lines the sink wrote so far. */
  sinkLines(): Promise<string[]>;
  /** GET/POST against the API; `key` adds the api-key header. */
  request(path: string, init?: { method?: string; key?: string; headers?: Record<string, string> }): Promise<Response>;
  /** `request` that expects a 2xx JSON answer. */
  getJson<T>(path: string, key?: string): Promise<T>;
  close(): Promise<void>;
}

export function pipelineToml(dir: string, brokerPort: number, o: PipelineOptions, stream = 'ops'): string {
  return `
${runtimeHeader(brokerPort, dir)}

[http]
enabled = true
address = "127.0.0.1:0"
${o.apiKey ? `api_key = "${o.apiKey}"` : ''}
${o.corsOrigins ? `[http.cors]\nenabled = true\nallowed_origins = ${JSON.stringify(o.corsOrigins)}` : ''}

[sources.numbers]
name = "Numbers"
path = "${guestPath('js', 'random-source')}"
poll_interval = "${o.pollInterval}"
[[sources.numbers.streams]]
stream = "${stream}"
topic = "numbers"
schema = "json"
batch_size = 1000
linger_time = "5ms"
[sources.numbers.config]
count = ${o.perPoll}
max_messages = ${o.total}
payload_size = 16

[sinks.file]
name = "File"
path = "${guestPath('rust', 'file-sink')}"
[[sinks.file.streams]]
stream = "${stream}"
topics = ["numbers"]
schema = "json"
batch_size = 200
poll_interval = "5ms"
consumer_group = "file_sink"
[sinks.file.config]
path = "/out/messages.ndjson"
[sinks.file.permissions]
preopens = [{ host = "${join(dir, 'out')}", guest = "/out", read_only = false }]

[sinks.spare]
enabled = false
name = "Spare (disabled)"
path = "${guestPath('js', 'stdout-sink')}"
[[sinks.spare.streams]]
stream = "${stream}"
topics = ["numbers"]
schema = "json"
[sinks.spare.config]
print_payload = false
database_password = "hunter2"
`;
}

export async function startRuntimeFixture(options: PipelineOptions): Promise<RuntimeFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'api-test-'));
  await mkdir(join(dir, 'out'));
  const logger = pino({ level: 'silent' });
  const target = options.target ?? (await startTarget('dev'));
  const closeTarget = (): Promise<void> => (options.target ? Promise.resolve() : target.close());
  const stream = target.name('ops');
  const config = parseConfig(pipelineToml(dir, target.port, options, stream), { baseDir: dir, env: {}, validateTransform });
  const supervisor = new Supervisor(config, { logger, stopTimeoutMs: 10_000 });
  let api: ApiServer;
  try {
    api = await startApiServer({ config, supervisor, logger, version: '9.9.9-test' });
  } catch (error) {
    await closeTarget();
    throw error;
  }
  supervisor.start();
  const sinkFile = join(dir, 'out', 'messages.ndjson');
  const request: RuntimeFixture['request'] = (path, init = {}) =>
    fetch(`${api.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.key !== undefined ? { 'api-key': init.key } : {}), ...init.headers },
    });
  return {
    dir,
    target,
    stream,
    config,
    supervisor,
    api,
    sinkFile,
    request,
    async sinkLines() {
      try {
        return (await readFile(sinkFile, 'utf8')).split('\n').filter((l) => l.length > 0);
      } catch {
        return [];
      }
    },
    async getJson<T>(path: string, key?: string): Promise<T> {
      const res = await request(path, key !== undefined ? { key } : {});
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    async close() {
      await supervisor.stop();
      await api.close();
      await closeTarget();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The connector entries of `GET /stats`, as the tests read them. */
export interface StatsConnector {
  key: string;
  connector_type: 'sink' | 'source';
  status: string;
  state: string;
  enabled: boolean;
  messages_consumed?: number;
  messages_processed?: number;
  messages_produced?: number;
  messages_sent?: number;
  messages_filtered: number;
  errors: number;
  restarts: number;
  restart_reasons: Record<string, number>;
  lag?: number;
  offsets?: Record<string, string>;
}

export interface StatsBody {
  connectors_runtime_version: string;
  process_id: number;
  memory_usage: number;
  cpu_usage: number;
  run_time: number;
  uptime_seconds: number;
  sinks_total: number;
  sinks_running: number;
  sources_total: number;
  sources_running: number;
  connectors: StatsConnector[];
}

export const connectorIn = (stats: StatsBody, kind: 'sink' | 'source', key: string): StatsConnector => {
  const found = stats.connectors.find((c) => c.connector_type === kind && c.key === key);
  if (!found) throw new Error(`/stats has no ${kind} "${key}": ${JSON.stringify(stats.connectors.map((c) => c.key))}`);
  return found;
};

/** One sample's value from the Prometheus text, or undefined when the series is absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}
