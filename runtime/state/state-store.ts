// Persists each source's state blob so that a restart resumes where the last
// acknowledged batch ended. A write is atomic: temp file, fsync, rename, fsync dir.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';

export class StateStoreError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE_STORE', message, options);
  }
}

const SAFE_KEY = /^[A-Za-z0-9_.-]+$/;

export class StateStore {
  readonly #dir: string;
  /** The directory is created by the first save, not by every one. */
  #dirReady: Promise<void> | undefined;

  constructor(root: string) {
    this.#dir = join(root, 'sources');
  }

  #file(key: string): string {
    if (!SAFE_KEY.test(key)) throw new StateStoreError(`connector key "${key}" cannot name a state file: use letters, digits, "_", "-" or "."`);
    return join(this.#dir, `${key}.state`);
  }

  /** The last saved blob, or undefined when the source never saved one. */
  async load(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateStoreError(`cannot read the state of source "${key}" from ${this.#file(key)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Saves `state` now and durably; resolves once it is on disk. */
  async save(key: string, state: Uint8Array): Promise<void> {
    const file = this.#file(key);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await this.#ensureDir();
      try {
        await this.#write(temp, file, state);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // The directory was removed behind our back: create it again, once.
        this.#dirReady = undefined;
        await this.#ensureDir();
        await this.#write(temp, file, state);
      }
    } catch (error) {
      await rm(temp, { force: true });
      throw new StateStoreError(`cannot save the state of source "${key}" to ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #write(temp: string, file: string, state: Uint8Array): Promise<void> {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(state);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    // The rename is durable only once the directory entry is.
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** A writer that coalesces frequent saves of one source's state (see StateWriter). */
  writer(key: string, options: StateWriterOptions): StateWriter {
    return new StateWriter(this, key, options);
  }

  #ensureDir(): Promise<void> {
    this.#dirReady ??= mkdir(this.#dir, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        this.#dirReady = undefined;
        throw error;
      },
    );
    return this.#dirReady;
  }
}

export interface StateWriterOptions {
  /** At most one save per this many ms; the first state offered is saved at once. */
  intervalMs: number;
  /** Told how long each save took (for the `commit` stage metric). */
  onSaved?: (seconds: number) => void;
}

/**
 * Keeps the newest state offered and saves it at most every `intervalMs`, so a
 * fast source does not pay an fsync + rename per batch. A crash loses at most
 * the states offered during the last interval: the source re-produces from the
 * older saved state (at-least-once, nothing skipped). `close()` saves the newest
 * state before it resolves. A failed save is thrown by the next `offer`,
 * `flush` or `close`.
 */
export class StateWriter {
  readonly #store: StateStore;
  readonly #key: string;
  readonly #options: StateWriterOptions;
  #latest: Uint8Array | undefined;
  #saving: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastSaveAt = -Infinity;
  #failure: unknown;
  #closed = false;

  constructor(store: StateStore, key: string, options: StateWriterOptions) {
    this.#store = store;
    this.#key = key;
    this.#options = options;
  }

  /** Records `state` as the newest one to persist; saves now or when the interval is over. */
  offer(state: Uint8Array): void {
    this.#throwIfFailed();
    if (this.#closed) throw new StateStoreError(`the state writer of source "${this.#key}" is closed; offer states before close()`);
    this.#latest = state;
    this.#schedule();
  }

  /** Saves the newest offered state now (after a save in progress) and resolves once it is on disk. */
  async flush(): Promise<void> {
    this.#clearTimer();
    while (this.#saving) await this.#saving.catch(() => undefined);
    this.#clearTimer();
    this.#throwIfFailed();
    if (this.#latest) await this.#saveLatest();
    this.#throwIfFailed();
  }

  /** Flushes and stops the timer; the writer takes no more states. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #schedule(): void {
    if (this.#saving || this.#timer || !this.#latest) return;
    const wait = this.#lastSaveAt + this.#options.intervalMs - performance.now();
    if (wait <= 0) {
      void this.#saveLatest();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#saveLatest();
    }, wait);
  }

  /** Saves the newest state; never rejects (a failure is kept for the caller to see). */
  #saveLatest(): Promise<void> {
    const state = this.#latest;
    if (!state) return Promise.resolve();
    this.#latest = undefined;
    const started = performance.now();
    this.#lastSaveAt = started;
    const saving = this.#store.save(this.#key, state).then(
      () => {
        this.#options.onSaved?.((performance.now() - started) / 1000);
      },
      (error: unknown) => {
        this.#failure ??= error;
      },
    );
    this.#saving = saving.finally(() => {
      this.#saving = undefined;
      // A newer state arrived during the save: it goes out when the interval is over.
      if (!this.#closed && this.#failure === undefined) this.#schedule();
    });
    return this.#saving;
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
