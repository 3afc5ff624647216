// The three `connector-error` cases as throwable values. componentize-js turns a
// thrown object that carries a `payload` into the call's `err(payload)`; anything
// else thrown (a plain Error) is a crash: the host logs its message and discards the instance.

/** An error the connector reports on purpose; `payload` is the WIT variant value. */
export class ConnectorError extends Error {
  /**
   * @param {'invalid-config' | 'transient' | 'permanent'} tag the connector-error case
   * @param {string} message what went wrong, for the runtime's log
   */
  constructor(tag, message) {
    super(message);
    this.name = 'ConnectorError';
    /** @type {{ tag: string, val: string }} */
    this.payload = { tag, val: String(message) };
  }
}

/** The configuration cannot work: the host stops the connector and does not retry. @param {string} message */
export const invalidConfig = (message) => new ConnectorError('invalid-config', message);

/** Worth retrying: the host offers the same call again after a backoff. @param {string} message */
export const transient = (message) => new ConnectorError('transient', message);

/** Retrying will not help for this batch. @param {string} message */
export const permanent = (message) => new ConnectorError('permanent', message);
