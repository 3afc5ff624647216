// The runtime's configuration after loading: normalized (durations in ms, sizes in
// bytes, camelCase keys, defaults applied), the only shape the rest of the runtime reads.
import type { ConfigProblem } from './errors.js';

export type Schema = 'json' | 'raw' | 'text' | 'proto' | 'avro' | 'flatbuffer';
export const SCHEMAS: readonly Schema[] = ['json', 'raw', 'text', 'proto', 'avro', 'flatbuffer'];

export interface IggyConnection {
  /** `host:port`, default `127.0.0.1:8090`. */
  address: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** A personal access token; when set it is used instead of username/password. */
  token?: string;
  tls: { enabled: boolean; caFile?: string; domain?: string };
}

export interface RuntimeConfig {
  file?: string;
  iggy: IggyConnection;
  /** `path` defaults to `local_state`, resolved against the config file's directory. */
  state: { path: string };
  /** `address` defaults to `127.0.0.1:8081`. */
  http: { enabled: boolean; address: string; apiKey?: string; corsOrigins: string[] };
  /** In file order; disabled connectors are included with `enabled: false`. */
  sinks: SinkConfig[];
  sources: SourceConfig[];
}

export interface TransformSpec {
  name: string;
  enabled: boolean;
  /** The transform's table minus `enabled`. */
  options: Record<string, unknown>;
  path: string;
}

export interface Preopen {
  hostPath: string;
  guestPath: string;
  readOnly: boolean;
}

export interface Permissions {
  preopens: Preopen[];
  /** Names of host environment variables the guest may read. */
  env: string[];
  stdio: 'log' | 'inherit' | 'discard';
  allowedHosts: string[];
}

export interface Limits {
  /** Default 256 MiB. */
  memoryLimitBytes: number;
  /** Default 30 s. */
  callTimeoutMs: number;
}

export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0 = unlimited. */
  maxRestarts: number;
}

export interface ConnectorBase {
  key: string;
  enabled: boolean;
  name: string;
  /** Absolute path of the component's `.wasm` file. */
  path: string;
  version: number;
  verbose: boolean;
  /** Handed to the guest's `open` as a JSON object. */
  config: Record<string, unknown>;
  /** In the order written. */
  transforms: TransformSpec[];
  permissions: Permissions;
  limits: Limits;
  restart: RestartPolicy;
  /** The file that declared the connector when it came from a `connectors.config_dir` file. */
  sourceFile?: string;
  /** `sinks.stdout`, the prefix of every problem path about this connector. */
  tomlPath: string;
}

export interface SinkStreamConfig {
  stream: string;
  topics: string[];
  schema: Schema;
  batchSize: number;
  pollIntervalMs: number;
  consumerGroup?: string;
  path: string;
}

export interface ErrorPolicy {
  onPermanent: 'stop' | 'dead_letter';
  deadLetter?: { stream: string; topic: string };
  /** Transient retries before the failure is treated as permanent; 0 = retry forever. */
  maxRetries: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface SinkConfig extends ConnectorBase {
  kind: 'sink';
  streams: SinkStreamConfig[];
  errors: ErrorPolicy;
}

export type Partitioning = { kind: 'balanced' } | { kind: 'partition_id'; partitionId: number } | { kind: 'messages_key'; field?: string };

export interface SourceStreamConfig {
  stream: string;
  topic: string;
  schema: Schema;
  batchSize: number;
  lingerMs: number;
  partitioning: Partitioning;
  path: string;
}

export interface SourceConfig extends ConnectorBase {
  kind: 'source';
  streams: SourceStreamConfig[];
  /** For messages the schema check or the transforms reject: stop, or send them to a dead-letter topic. */
  errors: ErrorPolicy;
  /** Default 100 ms. */
  pollIntervalMs: number;
}

export type ConnectorConfig = SinkConfig | SourceConfig;

/**
 * Checks one transform's table; supplied by the pipeline, which knows the transforms.
 * `path` is the transform's TOML path; returned problems should use paths under it.
 */
export type TransformValidator = (name: string, table: Record<string, unknown>, path: string, schema: Schema) => ConfigProblem[];

export interface ParseOptions {
  /** The file the text came from; names it in errors and anchors relative paths. */
  file?: string;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  validateTransform?: TransformValidator;
  /** Directory relative paths resolve against; defaults to the file's directory, else the working directory. */
  baseDir?: string;
}

export const DEFAULTS = {
  iggyAddress: '127.0.0.1:8090',
  iggyUsername: 'iggy',
  iggyPassword: 'iggy',
  statePath: 'local_state',
  httpAddress: '127.0.0.1:8081',
  httpEnabled: false,
  batchSize: 1000,
  sinkPollIntervalMs: 5,
  lingerMs: 5,
  sourcePollIntervalMs: 100,
  memoryLimitBytes: 256 * 1024 * 1024,
  callTimeoutMs: 30_000,
  restartInitialDelayMs: 100,
  restartMaxDelayMs: 30_000,
  maxRestarts: 0,
  maxRetries: 0,
  retryInitialMs: 100,
  retryMaxMs: 30_000,
  stdio: 'log',
} as const;

/** Iggy's runtime names a sink's consumer group so when none is configured. */
export const defaultConsumerGroup = (key: string): string => `iggy-connect-sink-${key}`;
