// Keeps one guest instance ready for the cases: starts (and after a hang, restarts)
// the guest worker, instantiates and opens as needed, and records every call's
// outcome so the final cases can report timeouts, traps and the slowest call.
import type { ConnectorKind, Grants } from '../host/index.js';
import { ConformanceHarnessError } from './errors.js';
import { GuestSession } from './guest-session.js';
import type { KitRequest, LoadValue, Outcome } from './protocol.js';

export interface HarnessOptions {
  path: string;
  kind?: ConnectorKind;
  grants: Grants;
  callTimeoutMs: number;
  cacheDir?: string;
}

export interface CallRecord {
  /** The case that made the call. */
  caseName: string;
  call: string;
  outcome: Outcome;
}

type InstanceState = 'none' | 'fresh' | 'open';

/**
 * One line on what an outcome was, for failure reasons. `label` names the call as
 * the reader should see it (`open([])`, `poll 2`); by default the call's own name.
 */
export function describe(outcome: Outcome, timeoutMs?: number, label?: string): string {
  const at = 'iteration' in outcome && outcome.iteration !== undefined ? ` on call ${outcome.iteration + 1}` : '';
  const own = 'call' in outcome ? `${outcome.call}()` : '';
  const who = label ?? own;
  const lead = who ? `${who} ` : '';
  switch (outcome.type) {
    case 'ok':
      return `${lead}returned ok`;
    case 'connector-error':
      return `${lead}returned ${outcome.kind}(${JSON.stringify(outcome.message)})${at}`;
    case 'trap':
      return `${lead}trapped${at}: ${outcome.message}`;
    case 'host-error':
      return `${lead}was refused by the host${at} [${outcome.code}]: ${outcome.message}`;
    case 'timeout':
      return `${lead}did not return within ${timeoutMs ?? '?'} ms (${own} ran ${outcome.elapsedMs} ms); the guest was terminated`;
    case 'worker-exit':
      return `${lead}failed: ${outcome.message}`;
  }
}

export class Harness {
  readonly options: HarnessOptions;
  readonly records: CallRecord[] = [];
  #session: GuestSession | undefined;
  #instance: InstanceState = 'none';
  /** The config the open instance was opened with. */
  #openedWith: string | undefined;
  #loaded: LoadValue | undefined;

  constructor(options: HarnessOptions) {
    this.options = options;
  }

  get loaded(): LoadValue | undefined {
    return this.#loaded;
  }

  /** Starts a worker and loads the component in it. */
  async load(): Promise<Outcome<LoadValue>> {
    await this.#session?.close();
    this.#session = GuestSession.start({ callTimeoutMs: this.options.callTimeoutMs });
    this.#instance = 'none';
    const request: KitRequest = {
      op: 'load',
      path: this.options.path,
      grants: this.options.grants,
      ...(this.options.kind ? { kind: this.options.kind } : {}),
      ...(this.options.cacheDir ? { cacheDir: this.options.cacheDir } : {}),
    };
    const outcome = await this.#session.request<LoadValue>(request);
    if (outcome.type === 'ok') this.#loaded = outcome.value;
    return outcome;
  }

  /** Sends a guest call and records it. A trap, timeout or crash leaves no usable instance. */
  async call<V = unknown>(caseName: string, request: KitRequest): Promise<Outcome<V>> {
    const session = await this.#live();
    const outcome = await session.request<V>(request);
    this.records.push({ caseName, call: request.op === 'repeat' ? request.call : request.op, outcome });
    if (outcome.type === 'trap' || outcome.type === 'timeout' || outcome.type === 'worker-exit') this.#instance = 'none';
    else if (request.op === 'open') {
      this.#instance = outcome.type === 'ok' ? 'open' : 'none';
      this.#openedWith = outcome.type === 'ok' ? request.config : undefined;
    } else if (request.op === 'close') this.#instance = 'none';
    return outcome;
  }

  /** A new instance, not opened. */
  async fresh(caseName: string): Promise<Outcome> {
    const session = await this.#live();
    const outcome = await session.request({ op: 'instantiate' });
    if (outcome.type !== 'ok') this.records.push({ caseName, call: 'instantiate', outcome });
    this.#instance = outcome.type === 'ok' ? 'fresh' : 'none';
    return outcome;
  }

  /** The current instance if it is open; otherwise a new one opened with `config`. */
  async opened(caseName: string, config: string): Promise<Outcome> {
    // Only an instance opened with this very config: one that wrongly accepted the invalid config must not run the batch cases.
    if (this.#instance === 'open' && this.#openedWith === config && this.#session?.alive) return { type: 'ok', value: undefined, ms: 0, memoryBytes: 0 };
    const made = await this.fresh(caseName);
    if (made.type !== 'ok') return made;
    return this.call(caseName, { op: 'open', config });
  }

  async #live(): Promise<GuestSession> {
    if (this.#session?.alive) return this.#session;
    // The previous worker was terminated (a hang) or died: later cases get a new one.
    const outcome = await this.load();
    if (outcome.type !== 'ok' || !this.#session)
      throw new ConformanceHarnessError(`reloading the component after a terminated guest failed: ${describe(outcome)}`);
    return this.#session;
  }

  async close(): Promise<void> {
    await this.#session?.close();
    this.#session = undefined;
    this.#instance = 'none';
  }
}
