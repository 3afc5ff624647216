// A refusal the dev broker answers with: an Iggy status code and a reason for the log.
import { RuntimeError } from '../errors.js';

export class BrokerError extends RuntimeError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('DEV_BROKER_REFUSED', message);
  }
}

/** Problems with the broker's own files (data dir), raised at start. */
export class BrokerStorageError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DEV_BROKER_STORAGE', message, options);
  }
}
