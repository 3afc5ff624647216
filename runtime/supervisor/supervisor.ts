// Runs every enabled connector in a worker thread (several share one, see
// worker-groups.ts) and keeps it alive: restarts with capped backoff after a
// crash, a trap or a call that overran its timeout, and stops them all
// gracefully. A connector's failure ends only its own run; a hung guest's
// neighbours restart with it, since its thread must be terminated.
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config/index.js';
import { FileThread } from '../host/index.js';
import { backoffDelay } from '../timing/backoff.js';
import { classifyFailure, isRestartable } from '../pipeline/failure.js';
import {
  addStats,
  connectorId,
  Control,
  emptyStats,
  guestCallName,
  newControlBlock,
  type ConnectorConfig,
  type ConnectorStats,
  type SerializedError,
  type WorkerEvent,
  type WorkerInit,
} from './protocol.js';
import { connectorsPerWorkerFromEnv, needsOwnWorker, planWorkerGroups, WorkerGroup } from './worker-groups.js';

export type ConnectorState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** `neighbour`: another connector's guest hung in the worker thread they share, which was terminated. */
export type RestartReason = 'trap' | 'timeout' | 'memory' | 'crash' | 'error' | 'manual' | 'neighbour';

export interface ConnectorStatus {
  key: string;
  kind: 'sink' | 'source';
  name: string;
  state: ConnectorState;
  restarts: number;
  restartReasons: Partial<Record<RestartReason, number>>;
  lastError?: SerializedError;
  stats: ConnectorStats;
  since: number;
}

export interface SupervisorOptions {
  logger: Logger;
  logLevel?: string;
  prettyLogs?: boolean;
  cacheDir?: string;
  /** How long `stop()` waits for a connector to drain before terminating its worker. */
  stopTimeoutMs?: number;
  /** How often the watchdog looks at running guest calls. */
  watchdogIntervalMs?: number;
  /** Connectors sharing a worker thread (1 = a thread each); default `IGGY_CONNECTORS_PER_WORKER`, else automatic (worker-groups.ts). */
  connectorsPerWorker?: number;
}

/** How long a connector must run before a failure no longer counts towards its backoff and max_restarts. */
const STABLE_RUN_MS = 10_000;

class ConnectorHandle {
  state: ConnectorState = 'starting';
  restarts = 0;
  consecutiveFailures = 0;
  restartReasons: Partial<Record<RestartReason, number>> = {};
  lastError?: SerializedError;
  stats: ConnectorStats = emptyStats();
  /** The totals of the workers that ran before the current one. */
  carried: ConnectorStats = emptyStats();
  since = Date.now();
  /** The worker group it runs in; set while its run is live there. */
  worker?: WorkerGroup;
  control?: BigInt64Array;
  /** Why the current run is ending, when the supervisor ended it. */
  endReason?: RestartReason | 'stop';
  noRestart = false;
  restartTimer?: NodeJS.Timeout;
  exited?: Promise<void>;
  /** When the supervisor terminated the thread of the current run (undefined: it did not). */
  terminatedAt?: number;
  /** Settles the current run at once, for a thread that never exits (blocked in a system call). */
  abandon?: () => void;
  /**
   * The file I/O thread its guests' filesystem calls run on (connectors with preopens), kept
   * across restarts: one per connector, so a hung mount holds one thread, whatever restarts.
   */
  files?: FileThread;

  constructor(
    readonly config: ConnectorConfig,
    readonly logger: Logger,
    readonly group: WorkerGroup,
  ) {}

  get id(): string {
    return connectorId(this.config);
  }

  setState(state: ConnectorState): void {
    this.state = state;
    this.since = Date.now();
  }
}

/**
 * How long a terminated worker may take to exit. Past it, the worker is blocked in a
 * system call V8 cannot interrupt: it is abandoned. (File system calls, which a hung
 * mount blocks, run on the connector's file I/O thread instead, see #closeFiles.)
 */
const TERMINATE_GRACE_MS = 5_000;
/** How long a file I/O thread may take to end at shutdown; past it, it is blocked on a hung mount. */
const FILE_THREAD_GRACE_MS = 2_000;

export class Supervisor {
  readonly #config: RuntimeConfig;
  #abandoned = 0;
  readonly #options: Required<Omit<SupervisorOptions, 'cacheDir' | 'connectorsPerWorker'>> & { cacheDir?: string };
  readonly #connectorsPerWorker: number | undefined;
  readonly #handles = new Map<string, ConnectorHandle>();
  readonly #groups: WorkerGroup[] = [];
  #watchdog?: NodeJS.Timeout;
  #stopping = false;

  constructor(config: RuntimeConfig, options: SupervisorOptions) {
    this.#config = config;
    this.#options = {
      logLevel: options.logger.level,
      prettyLogs: false,
      stopTimeoutMs: 15_000,
      watchdogIntervalMs: 50,
      ...options,
    };
    this.#connectorsPerWorker = options.connectorsPerWorker ?? connectorsPerWorkerFromEnv();
  }

  /** Starts every enabled connector. Returns once their workers are spawned. */
  start(): void {
    const { logger } = this.#options;
    const enabled: ConnectorConfig[] = [];
    for (const connector of [...this.#config.sinks, ...this.#config.sources]) {
      if (connector.enabled) enabled.push(connector);
      else logger.info({ connector: connectorId(connector) }, 'connector disabled, not started');
    }
    const init: WorkerInit = {
      iggy: this.#config.iggy,
      statePath: this.#config.state.path,
      logLevel: this.#options.logLevel,
      prettyLogs: this.#options.prettyLogs,
      ...(this.#options.cacheDir ? { cacheDir: this.#options.cacheDir } : {}),
    };
    const plan = planWorkerGroups(enabled, this.#connectorsPerWorker);
    plan.forEach((connectors, i) => {
      const only = connectors.length === 1 ? connectors[0]! : undefined;
      const group = new WorkerGroup(init, only ? `connector:${only.key}` : `connectors:${i}`, { threadPerRun: only !== undefined && needsOwnWorker(only) });
      this.#groups.push(group);
      for (const connector of connectors) {
        const handle = new ConnectorHandle(connector, logger.child({ connector: connector.key, kind: connector.kind }), group);
        this.#handles.set(handle.id, handle);
      }
    });
    if (plan.length > 0) logger.debug({ workers: plan.length, connectors: enabled.length }, 'connector worker threads planned');
    for (const handle of this.#handles.values()) this.#spawn(handle);
    this.#watchdog = setInterval(() => this.#checkTimeouts(), this.#options.watchdogIntervalMs);
    this.#watchdog.unref();
  }

  status(): ConnectorStatus[] {
    return [...this.#handles.values()].map((h) => ({
      key: h.config.key,
      kind: h.config.kind,
      name: h.config.name,
      state: h.state,
      restarts: h.restarts,
      restartReasons: { ...h.restartReasons },
      ...(h.lastError ? { lastError: h.lastError } : {}),
      stats: { ...h.stats, guestMemoryBytes: h.control ? Number(Atomics.load(h.control, Control.guestMemoryBytes)) : h.stats.guestMemoryBytes },
      since: h.since,
    }));
  }

  /** Restarts one connector now (its in-flight batch is delivered again, never lost). */
  async restart(kind: 'sink' | 'source', key: string): Promise<boolean> {
    const handle = this.#handles.get(`${kind}s.${key}`);
    if (!handle || this.#stopping) return false;
    clearTimeout(handle.restartTimer);
    handle.consecutiveFailures = 0;
    handle.noRestart = false;
    if (handle.worker) {
      handle.endReason = 'manual';
      await this.#drain(handle);
    }
    this.#count(handle, 'manual');
    this.#spawn(handle);
    return true;
  }

  /** Asks every connector to finish its batch, commit and close; waits a bounded time. */
  async stop(): Promise<void> {
    this.#stopping = true;
    // The watchdog keeps running while connectors drain: a guest's close (or the call
    // in flight) gets limits.call_timeout like any other call.
    await Promise.all(
      [...this.#handles.values()].map(async (handle) => {
        clearTimeout(handle.restartTimer);
        if (handle.worker) {
          handle.endReason = 'stop';
          await this.#drain(handle);
        }
        if (handle.state !== 'failed') handle.setState('stopped');
      }),
    );
    clearInterval(this.#watchdog);
    await Promise.all(this.#groups.map((group) => group.close(TERMINATE_GRACE_MS)));
    await Promise.all([...this.#handles.values()].map((handle) => this.#closeFiles(handle)));
  }

  /** Ends a connector's file I/O thread; one blocked on a hung mount is left behind and counted. */
  async #closeFiles(handle: ConnectorHandle): Promise<void> {
    const files = handle.files;
    if (!files) return;
    handle.files = undefined;
    const blockedOn = files.outstanding();
    if (await files.close(FILE_THREAD_GRACE_MS)) return;
    this.#abandoned += 1;
    handle.logger.error(
      { blockedOn: files.outstanding() ?? blockedOn },
      `the connector's file I/O thread is still blocked on ${files.outstanding() ?? blockedOn ?? 'a file operation'}: the mount did not answer; it is left behind`,
    );
  }

  /** Workers that never exited after termination (blocked in a system call); the process cannot exit normally while one exists. */
  get abandonedWorkers(): number {
    return this.#abandoned;
  }

  async #drain(handle: ConnectorHandle): Promise<void> {
    const worker = handle.worker;
    if (!worker) return;
    handle.setState('stopping');
    worker.stop(handle.id);
    const timer = setTimeout(() => {
      handle.logger.warn({ timeoutMs: this.#options.stopTimeoutMs }, 'connector did not stop in time, terminating its worker');
      this.#terminate(handle);
    }, this.#options.stopTimeoutMs);
    await handle.exited;
    clearTimeout(timer);
  }

  #spawn(handle: ConnectorHandle): void {
    const control = newControlBlock();
    handle.setState('starting');
    handle.endReason = undefined;
    handle.terminatedAt = undefined;
    handle.control = new BigInt64Array(control);
    handle.worker = handle.group;
    let failure: { error: SerializedError; restart: boolean } | undefined;
    let settled = false;
    handle.exited = new Promise((resolve) => {
      handle.abandon = () => {
        settled = true;
        resolve();
      };
      const ended = (exitCode: number): void => {
        // An abandoned run whose thread exits at last changes nothing any more.
        if (settled) return;
        settled = true;
        handle.carried = handle.stats;
        handle.worker = undefined;
        handle.control = undefined;
        this.#onExit(handle, exitCode, failure);
        resolve();
      };
      if (handle.config.permissions.preopens.length > 0 && (!handle.files || handle.files.ended)) handle.files = new FileThread();
      handle.group.start(handle.id, handle.config, control, handle.files?.block, {
        onEvent: (event: WorkerEvent) => {
          switch (event.type) {
            case 'running':
              handle.setState('running');
              handle.logger.info('connector running');
              break;
            case 'stats':
              handle.stats = addStats(handle.carried, event.stats);
              break;
            case 'failed':
              failure = { error: event.error, restart: event.restart };
              break;
            case 'stopped':
              handle.stats = addStats(handle.carried, event.stats);
              break;
            case 'ended':
              ended(failure ? 1 : 0);
              break;
          }
        },
        onWorkerExit: (exitCode, error) => {
          if (error) failure ??= { error, restart: isRestartable(error) };
          ended(exitCode);
        },
      });
    });
  }

  /** Terminates the worker thread `handle` runs in; its other connectors restart with reason `neighbour`. */
  #terminate(handle: ConnectorHandle): void {
    const group = handle.worker;
    if (!group || handle.terminatedAt !== undefined) return;
    const now = Date.now();
    for (const id of group.live) {
      const neighbour = this.#handles.get(id);
      if (!neighbour) continue;
      neighbour.terminatedAt ??= now;
      if (neighbour !== handle && !neighbour.endReason) neighbour.endReason = 'neighbour';
    }
    handle.terminatedAt ??= now;
    void group.terminate();
  }

  #onExit(handle: ConnectorHandle, exitCode: number, failure: { error: SerializedError; restart: boolean } | undefined): void {
    const reason = handle.endReason;
    if (reason === 'stop' || reason === 'manual') {
      handle.logger.info({ exitCode }, 'connector stopped');
      return;
    }
    if (reason === 'neighbour' && !this.#stopping) {
      // Not this connector's fault: no backoff, no failure counted, its offsets are where it committed them.
      this.#count(handle, 'neighbour');
      handle.setState('restarting');
      handle.logger.warn({ reason }, "connector restarted: another connector's guest hung in the worker thread they share, which was terminated");
      this.#spawn(handle);
      return;
    }
    const cause = restartReason(reason, failure);
    // A connector that ran well for a while starts its backoff afresh; one that fails right away backs off further.
    if (handle.state === 'running' && Date.now() - handle.since >= STABLE_RUN_MS) handle.consecutiveFailures = 0;
    failure = failure ?? { error: { name: 'WorkerExit', message: `connector worker exited unexpectedly with code ${exitCode}` }, restart: true };
    if (reason === 'timeout' && handle.lastError) failure = { error: handle.lastError, restart: true };
    const { action } = classifyFailure(failure.error);
    handle.lastError = { ...failure.error, action };
    handle.stats.errors += 1;
    if (!failure.restart || this.#stopping) {
      handle.setState('failed');
      handle.logger.error({ err: failure.error, action }, `connector failed and will not be restarted: ${failure.error.message}; ${action}`);
      return;
    }
    const policy = handle.config.restart;
    if (policy.maxRestarts > 0 && handle.consecutiveFailures >= policy.maxRestarts) {
      handle.setState('failed');
      handle.logger.error(
        { err: failure.error, restarts: handle.restarts },
        `connector failed ${handle.consecutiveFailures} times in a row (restart.max_restarts = ${policy.maxRestarts}); giving up`,
      );
      return;
    }
    const delay = backoffDelay(handle.consecutiveFailures, policy.initialDelayMs, policy.maxDelayMs);
    handle.consecutiveFailures += 1;
    this.#count(handle, cause);
    handle.setState('restarting');
    handle.logger.warn({ err: failure.error, reason: cause, delayMs: delay }, 'connector failed; restarting it from its last committed position');
    handle.restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn(handle);
    }, delay);
  }

  #count(handle: ConnectorHandle, reason: RestartReason): void {
    handle.restarts += 1;
    handle.restartReasons[reason] = (handle.restartReasons[reason] ?? 0) + 1;
  }

  #checkTimeouts(): void {
    const now = BigInt(Date.now());
    for (const handle of this.#handles.values()) {
      const control = handle.control;
      if (!control || !handle.worker) continue;
      if (handle.terminatedAt !== undefined) {
        if (Date.now() - handle.terminatedAt > TERMINATE_GRACE_MS) this.#abandonWorker(handle);
        continue;
      }
      const started = Atomics.load(control, Control.callStartedMs);
      if (started === 0n) continue;
      const elapsed = Number(now - started);
      if (elapsed <= handle.config.limits.callTimeoutMs) continue;
      const call = guestCallName(Number(Atomics.load(control, Control.callKind)));
      if (handle.endReason === 'stop' || handle.endReason === 'manual') {
        // Stopping: the run ends anyway; only the wait is cut short.
        handle.logger.error(
          { call, elapsedMs: elapsed },
          `guest call ${call}() ran for ${elapsed} ms while stopping, over limits.call_timeout = ${handle.config.limits.callTimeoutMs} ms; terminating the instance`,
        );
        this.#terminate(handle);
        continue;
      }
      if (handle.endReason) continue;
      handle.endReason = 'timeout';
      handle.lastError = {
        name: 'GuestTimeoutError',
        code: 'GUEST_TIMEOUT',
        message: `guest call ${call}() ran for ${elapsed} ms, over limits.call_timeout = ${handle.config.limits.callTimeoutMs} ms; the instance was terminated`,
      };
      handle.logger.error({ call, elapsedMs: elapsed }, handle.lastError.message);
      this.#terminate(handle);
    }
  }

  /** A terminated worker that did not exit: say so, mark the connector failed and stop waiting for it. */
  #abandonWorker(handle: ConnectorHandle): void {
    const call = handle.control ? guestCallName(Number(Atomics.load(handle.control, Control.callKind))) : 'unknown';
    this.#abandoned += 1;
    handle.worker = undefined;
    handle.control = undefined;
    handle.lastError = {
      name: 'WorkerStuckError',
      code: 'WORKER_STUCK',
      message:
        `the worker did not exit ${TERMINATE_GRACE_MS} ms after it was terminated (guest call ${call}()): it is blocked in a system call the runtime cannot interrupt, ` +
        "(file system calls run on the connector's file I/O thread, so this is one the runtime does not know to block); the connector is failed and will not be restarted, and the runtime must be killed to release that thread",
    };
    handle.setState('failed');
    handle.logger.error({ err: handle.lastError }, handle.lastError.message);
    handle.abandon?.();
  }
}

function restartReason(end: ConnectorHandle['endReason'], failure: { error: SerializedError } | undefined): RestartReason {
  if (end === 'timeout') return 'timeout';
  if (end === 'neighbour') return 'neighbour';
  if (!failure) return 'crash';
  if (failure.error.code === 'GUEST_MEMORY_LIMIT') return 'memory';
  if (failure.error.code === 'GUEST_TRAP') return 'trap';
  return 'error';
}
