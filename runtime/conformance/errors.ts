// Errors of the conformance kit itself (not findings about the component, which
// are failed cases in the report).
import { RuntimeError } from '../errors.js';

/** The --config file cannot be read or is not a JSON/TOML object. */
export class ConformanceConfigError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFORMANCE_CONFIG', message, options);
  }
}

/** The kit could not keep a guest worker running (e.g. reloading after a hang failed). */
export class ConformanceHarnessError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFORMANCE_HARNESS', message, options);
  }
}
