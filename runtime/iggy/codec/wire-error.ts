// The one error the codec raises: bytes that do not form what the protocol says.
// It carries the Iggy status a server answers with, so the broker can reply without a table.
import { RuntimeError } from '../../errors.js';
import { Status } from './status.js';

export const WIRE_MALFORMED = 'IGGY_WIRE_MALFORMED';

export class WireError extends RuntimeError {
  /** Iggy status that describes the problem (InvalidFormat unless a more precise one applies). */
  readonly status: number;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(WIRE_MALFORMED, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? Status.InvalidFormat;
  }
}
