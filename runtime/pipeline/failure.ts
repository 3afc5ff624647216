// Errors the pipelines raise on purpose, and which failures a restart can cure.
import { RuntimeError } from '../errors.js';

/** The connector was stopped by its error policy (`errors.on_permanent = "stop"`); a restart would fail the same way. */
export class ConnectorStoppedError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTOR_STOPPED', message, options);
  }
}

// A malformed batch is a guest bug that a restart from the same state would repeat.
const NOT_RESTARTABLE = new Set(['CONNECTOR_STOPPED', 'CONNECTOR_INVALID_CONFIG', 'GUEST_MALFORMED_BATCH', 'COMPONENT_WORLD', 'COMPONENT_INVALID', 'COMPONENT_NOT_FOUND', 'COMPONENT_IMPORTS']);

/** Whether restarting the connector may help: not for bad config, a bad component or a `stop` policy. */
export function isRestartable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return !(typeof code === 'string' && NOT_RESTARTABLE.has(code));
}
