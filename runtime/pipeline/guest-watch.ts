// Marks the start and end of every guest call in the control block shared with
// the supervisor, whose watchdog terminates the worker when a call overruns
// `limits.call_timeout`; also enforces `limits.memory_limit` after each call.
import { RuntimeError } from '../errors.js';
import { Control, GuestCall, type GuestCallName } from './guest-control.js';

export class GuestMemoryLimitError extends RuntimeError {
  constructor(
    readonly call: GuestCallName,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'GUEST_MEMORY_LIMIT',
      `guest memory reached ${bytes} bytes during ${call}(), over limits.memory_limit = ${limit} bytes; raise the limit or fix the guest's memory use`,
    );
  }
}

export class GuestWatch {
  readonly #control: BigInt64Array;
  readonly #memoryLimit: number;
  readonly #memoryBytes: () => number;

  constructor(control: SharedArrayBuffer, memoryLimit: number, memoryBytes: () => number) {
    this.#control = new BigInt64Array(control);
    this.#memoryLimit = memoryLimit;
    this.#memoryBytes = memoryBytes;
  }

  /** Runs a synchronous guest call under the watchdog. */
  call<T>(name: GuestCallName, fn: () => T): T {
    Atomics.store(this.#control, Control.callKind, BigInt(GuestCall[name]));
    Atomics.store(this.#control, Control.callStartedMs, BigInt(Date.now()));
    let result: T;
    try {
      result = fn();
    } finally {
      Atomics.store(this.#control, Control.callStartedMs, 0n);
      Atomics.store(this.#control, Control.callKind, 0n);
    }
    const bytes = this.#memoryBytes();
    Atomics.store(this.#control, Control.guestMemoryBytes, BigInt(bytes));
    if (bytes > this.#memoryLimit) throw new GuestMemoryLimitError(name, bytes, this.#memoryLimit);
    return result;
  }

  memoryBytes(): number {
    return Number(Atomics.load(this.#control, Control.guestMemoryBytes));
  }
}
