// Transpiles a component to JS + core modules with jco, once per content hash: an
// in-memory map for this process and a directory on disk for the next one. The JS
// uses jco's instantiation mode, so it imports nothing and the host supplies every
// import object.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import { ComponentTranspileError } from './errors.js';
import { wasm, type WasmInstance, type WasmModule } from './wasm.js';

/** The module jco generates in instantiation mode (sync). */
export interface GeneratedModule {
  instantiate(
    getCoreModule: (name: string) => WasmModule,
    imports: Record<string, Record<string, unknown>>,
    instantiateCore: (module: WasmModule, imports?: object) => WasmInstance,
  ): Record<string, unknown>;
}

export interface TranspiledComponent {
  sha256: string;
  module: GeneratedModule;
  coreModules: Map<string, WasmModule>;
  /** 0 when the transpiled output came from the disk cache. */
  transpileMs: number;
  /** Time to read the cache or transpile, plus compiling the core modules. */
  loadMs: number;
  fromCache: 'memory' | 'disk' | 'none';
}

/** Bump when the options below change: the output on disk is keyed by it. */
const TRANSPILE_FORMAT = 'jco-1.35-sync-v1';
const ENTRY = 'component.js';

export class TranspileCache {
  readonly #dir: string;
  readonly #memory = new Map<string, Promise<TranspiledComponent>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get dir(): string {
    return this.#dir;
  }

  get(bytes: Uint8Array): Promise<TranspiledComponent> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const cached = this.#memory.get(sha256);
    if (cached) return cached.then((c) => ({ ...c, fromCache: 'memory' as const, transpileMs: 0, loadMs: 0 }));
    const loading = this.#load(bytes, sha256);
    this.#memory.set(sha256, loading);
    // A failed load must not poison the map: the next attempt tries again.
    loading.catch(() => this.#memory.delete(sha256));
    return loading;
  }

  async #load(bytes: Uint8Array, sha256: string): Promise<TranspiledComponent> {
    const started = performance.now();
    const dir = join(this.#dir, `${sha256}-${TRANSPILE_FORMAT}`);
    let transpileMs = 0;
    let fromCache: 'disk' | 'none' = 'disk';
    if (!existsSync(join(dir, ENTRY))) {
      fromCache = 'none';
      const t = performance.now();
      let files: Record<string, Uint8Array>;
      try {
        ({ files } = await transpile(bytes, {
          name: 'component',
          instantiation: 'sync',
          noTypescript: true,
          quiet: true,
          wasiShim: false,
          base64Cutoff: 0,
        }));
      } catch (cause) {
        throw new ComponentTranspileError(`jco could not transpile the component: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
      transpileMs = performance.now() - t;
      await writeAtomically(dir, files);
    }
    const coreModules = new Map<string, WasmModule>();
    for (const name of await readdir(dir)) {
      if (name.endsWith('.wasm')) coreModules.set(name, await wasm.compile(await readFile(join(dir, name))));
    }
    let module: GeneratedModule;
    try {
      module = (await import(pathToFileURL(join(dir, ENTRY)).href)) as GeneratedModule;
    } catch (cause) {
      throw new ComponentTranspileError(`the transpiled module in ${dir} failed to load; delete that directory to transpile again`, { cause });
    }
    return { sha256, module, coreModules, transpileMs, loadMs: performance.now() - started, fromCache };
  }
}

/** Writes to a sibling temp dir and renames it into place, so a reader never sees half an output. */
async function writeAtomically(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(tmp, name)), { recursive: true });
    await writeFile(join(tmp, name), content);
  }
  // A directory without the entry file is a crashed earlier write.
  if (existsSync(dir) && !existsSync(join(dir, ENTRY))) await rm(dir, { recursive: true, force: true });
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another process won the race; its output is identical.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, ENTRY))) throw err;
  }
}
