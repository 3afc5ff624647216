// Errors raised while loading a component or calling into a guest. Codes are
// stable: the supervisor decides on restarts by `code`, never by message text.
import { RuntimeError } from '../errors.js';

export type ConnectorCall = 'open' | 'consume' | 'poll' | 'close';
export type ConnectorErrorKind = 'invalid-config' | 'transient' | 'permanent';

/** The file is not a WebAssembly component (missing, a core module, or garbage). */
export class ComponentFormatError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('COMPONENT_FORMAT', message, options);
  }
}

/** The component does not export the connector interface the host needs. */
export class ComponentWorldError extends RuntimeError {
  constructor(message: string) {
    super('COMPONENT_WORLD', message);
  }
}

/** The component imports interfaces the host does not provide. */
export class ComponentImportError extends RuntimeError {
  readonly unknownImports: readonly string[];
  constructor(unknownImports: readonly string[], message: string) {
    super('COMPONENT_IMPORTS', message);
    this.unknownImports = unknownImports;
  }
}

/** A grant cannot be honoured (a preopen that does not exist, ...). */
export class GrantError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HOST_GRANT', message, options);
  }
}

/**
 * The component defines what the sandbox cannot bound (shared or 64-bit memories, GC
 * types, tables of other reference types), or starts above a limit (its memories or
 * tables together). Restarting cannot help.
 */
export class ComponentLimitError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('COMPONENT_LIMITS', message, options);
  }
}

/** jco could not transpile the component, or the generated module failed to load. */
export class ComponentTranspileError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('COMPONENT_TRANSPILE', message, options);
  }
}

const CODE_BY_KIND = {
  'invalid-config': 'CONNECTOR_INVALID_CONFIG',
  transient: 'CONNECTOR_TRANSIENT',
  permanent: 'CONNECTOR_PERMANENT',
} as const;

/** The guest returned `err(connector-error)` from a call. */
export class ConnectorCallError extends RuntimeError {
  declare readonly code: (typeof CODE_BY_KIND)[ConnectorErrorKind];
  readonly kind: ConnectorErrorKind;
  readonly call: ConnectorCall;
  constructor(kind: ConnectorErrorKind, call: ConnectorCall, message: string) {
    super(CODE_BY_KIND[kind], message);
    this.kind = kind;
    this.call = call;
  }
}

/** A source's poll returned a batch whose index points outside its data: a guest bug, not an error it chose to report. */
export class GuestBatchError extends RuntimeError {
  declare readonly code: 'GUEST_MALFORMED_BATCH';
  readonly call = 'poll' as const;
  /** The offending index entry, or -1 when the index itself is malformed. */
  readonly entry: number;
  constructor(entry: number, reason: string) {
    const where = entry < 0 ? 'the index' : `index entry ${entry}`;
    super('GUEST_MALFORMED_BATCH', `poll returned a malformed batch: ${where}: ${reason}`);
    this.entry = entry;
  }
}

/** The guest trapped (or was used after a trap). The instance must be discarded. */
export class GuestTrapError extends RuntimeError {
  declare readonly code: 'GUEST_TRAP';
  readonly call: ConnectorCall | 'instantiate';
  constructor(call: ConnectorCall | 'instantiate', message: string, options?: { cause?: unknown }) {
    super('GUEST_TRAP', message, options);
    this.call = call;
  }
}

/**
 * A file operation inside a preopen did not answer within its share of
 * `limits.call_timeout` (a hung network or FUSE mount). The connector's thread is
 * free again and the instance is discarded; a restart may find the mount answering.
 */
export class FilesystemHungError extends RuntimeError {
  declare readonly code: 'FILESYSTEM_HUNG';
  constructor(message: string) {
    super('FILESYSTEM_HUNG', message);
  }
}
