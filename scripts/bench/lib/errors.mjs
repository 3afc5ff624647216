// The benchmark's own failures, as the runtime's typed errors: a stable code and a message
// that says what to check. Loaded after the build, as it extends dist/'s RuntimeError.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { RuntimeError } = await import(join(root, 'dist/runtime/errors.js'));

/** A child process (broker, runtime, bench role) failed or did not do what the run needs. */
export class BenchRunError extends RuntimeError {
  constructor(message, options) {
    super('BENCH_RUN', message, options);
  }
}
