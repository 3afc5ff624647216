// The configuration module's public surface: load, validate, redact.
export { loadConfig, parseConfig } from './load.js';
export { redactConfig } from './redact.js';
export { ConfigError, type ConfigErrorCode, type ConfigProblem } from './errors.js';
export { parseDuration, parseSize } from './units.js';
export { parseAddress } from './normalize-runtime.js';
export { DEFAULTS, SCHEMAS, defaultConsumerGroup } from './model.js';
export type {
  ConnectorBase,
  ConnectorConfig,
  ErrorPolicy,
  IggyConnection,
  Limits,
  ParseOptions,
  Partitioning,
  Permissions,
  Preopen,
  RestartPolicy,
  RuntimeConfig,
  Schema,
  SinkConfig,
  SinkStreamConfig,
  SourceConfig,
  SourceStreamConfig,
  TransformSpec,
  TransformValidator,
} from './model.js';
