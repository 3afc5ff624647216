// Errors the HTTP API answers with: an HTTP status plus the stable `code` and a
// message saying what to do, sent as `{ "code": "...", "message": "..." }`.
import { RuntimeError } from '../errors.js';

export class ApiError extends RuntimeError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }

  static unauthorized(): ApiError {
    // Says nothing about whether the key was missing or wrong, nor whether the path exists.
    return new ApiError(401, 'API_UNAUTHORIZED', 'this API needs the key configured in [http].api_key, sent in the "api-key" header');
  }

  static notFound(path: string): ApiError {
    return new ApiError(404, 'API_NOT_FOUND', `no endpoint at ${path}; see docs/operations.md for the list`);
  }

  static methodNotAllowed(method: string, path: string, allowed: readonly string[]): ApiError {
    return new ApiError(405, 'API_METHOD_NOT_ALLOWED', `${method} is not supported on ${path}; use ${allowed.join(' or ')}`);
  }

  static connectorNotFound(kind: 'sink' | 'source', key: string): ApiError {
    return new ApiError(404, kind === 'sink' ? 'SINK_NOT_FOUND' : 'SOURCE_NOT_FOUND', `no ${kind} with key "${key}" in the config; GET /${kind}s lists them`);
  }

  static connectorDisabled(kind: 'sink' | 'source', key: string): ApiError {
    return new ApiError(
      409,
      'CONNECTOR_DISABLED',
      `${kind} "${key}" is disabled in the config (enabled = false), so it cannot be restarted; enable it and restart the runtime`,
    );
  }

  static shuttingDown(): ApiError {
    return new ApiError(503, 'RUNTIME_STOPPING', 'the runtime is shutting down; connectors are not restarted any more');
  }
}

export const errorBody = (error: ApiError): { code: string; message: string } => ({ code: error.code, message: error.message });
