// The component host: loads connector components and runs sink/source instances
// inside a deny-by-default WASI sandbox. Everything outside this folder imports from here.
export { loadComponent } from './load.js';
export type { ConnectorKind, Preopen, Grants, LoadOptions, LoadedComponent, LoadTimings } from './load.js';
export type { TopicMetadata, Schema, BatchMetadata, SinkGuest, SourceGuest } from './guest.js';
export type { MessageFailure } from './sink-results.js';
export { SinkResultsMisuseError } from './sink-results.js';
export { TranspileCache } from './transpile-cache.js';
export { FileThread, FileThreadError } from './wasi/file-link.js';
export {
  ComponentFormatError,
  ComponentWorldError,
  ComponentImportError,
  ComponentLimitError,
  ComponentTranspileError,
  ConnectorCallError,
  FilesystemHungError,
  GrantError,
  GuestBatchError,
  GuestTrapError,
} from './errors.js';
export type { ConnectorCall, ConnectorErrorKind } from './errors.js';
