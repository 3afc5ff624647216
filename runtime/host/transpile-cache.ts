// Transpiles a component to JS + core modules with jco, once per content hash: an
// in-memory map for this process and a directory on disk for the next one. The JS
// uses jco's instantiation mode, so it imports nothing and the host supplies every
// import object.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ComponentTranspileError } from './errors.js';
import type { ComponentWorld } from './inspect.js';
import { limitComponentModules, recordFootprint } from './module-limits.js';
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
  /**
   * The compiled core modules by file name; with `maxMemoryPages`, compiled with
   * every defined memory capped to it (memoized per limit).
   */
  coreModules(maxMemoryPages?: number): Promise<Map<string, WasmModule>>;
  /** 0 when the transpiled output came from the disk cache. */
  transpileMs: number;
  /** Time to read the cache or transpile, plus compiling the core modules. */
  loadMs: number;
  fromCache: 'memory' | 'disk' | 'none';
}

/** Bump when the options below change: the output on disk is keyed by it. */
const TRANSPILE_FORMAT = 'jco-1.35-sync-v1';
const ENTRY = 'component.js';

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class TranspileCache {
  readonly #dir: string;
  readonly #memory = new Map<string, Promise<TranspiledComponent>>();
  readonly #worlds = new Map<string, ComponentWorld>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get dir(): string {
    return this.#dir;
  }

  /**
   * The world of the component with this hash, computed by `inspect` once and then
   * kept (printing the WIT of a 12 MB JS guest takes a few hundred ms).
   */
  async world(sha256: string, inspect: () => Promise<ComponentWorld>): Promise<ComponentWorld> {
    const known = this.#worlds.get(sha256);
    if (known) return known;
    // v2: with the contract check (inspect.ts); older files lack it.
    const file = join(this.#dir, `${sha256}.world-v2.json`);
    let world: ComponentWorld | undefined;
    if (existsSync(file)) {
      try {
        world = JSON.parse(await readFile(file, 'utf8')) as ComponentWorld;
      } catch {
        world = undefined;
      }
    }
    if (!world) {
      world = await inspect();
      await mkdir(this.#dir, { recursive: true });
      // Worker threads share the pid: the suffix must be unique per writer.
      const tmp = `${file}.tmp-${process.pid}-${randomUUID()}`;
      await writeFile(tmp, JSON.stringify(world));
      await rename(tmp, file);
    }
    this.#worlds.set(sha256, world);
    return world;
  }

  get(bytes: Uint8Array, sha256 = sha256Of(bytes)): Promise<TranspiledComponent> {
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
        // Loaded only on a cache miss: jco weighs ~25 MB per thread.
        const { transpile } = await import('@bytecodealliance/jco');
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
    const coreBytes = new Map<string, Uint8Array>();
    for (const name of await readdir(dir)) {
      if (name.endsWith('.wasm')) coreBytes.set(name, await readFile(join(dir, name)));
    }
    const compiled = new Map<number, Promise<Map<string, WasmModule>>>();
    const coreModules = (maxMemoryPages = 0): Promise<Map<string, WasmModule>> => {
      let modules = compiled.get(maxMemoryPages);
      if (!modules) {
        modules = compileAll(coreBytes, maxMemoryPages);
        compiled.set(maxMemoryPages, modules);
        modules.catch(() => compiled.delete(maxMemoryPages));
      }
      return modules;
    };
    // Compile the uncapped set now, so a broken cache entry fails the load, not the first instance.
    await coreModules();
    let module: GeneratedModule;
    try {
      module = (await import(pathToFileURL(join(dir, ENTRY)).href)) as GeneratedModule;
    } catch (cause) {
      throw new ComponentTranspileError(`the transpiled module in ${dir} failed to load; delete that directory to transpile again`, { cause });
    }
    return { sha256, module, coreModules, transpileMs, loadMs: performance.now() - started, fromCache };
  }
}

/**
 * `maxMemoryPages` 0 = no memory cap. Tables are always bounded and every memory is
 * exported to the host (module-limits.ts), whatever the memory cap.
 */
async function compileAll(coreBytes: Map<string, Uint8Array>, maxMemoryPages: number): Promise<Map<string, WasmModule>> {
  const out = new Map<string, WasmModule>();
  for (const [name, limited] of limitComponentModules(coreBytes, maxMemoryPages)) {
    const compiled = await wasm.compile(limited.bytes);
    recordFootprint(compiled, limited.footprint);
    out.set(name, compiled);
  }
  return out;
}

/** Writes to a sibling temp dir and renames it into place, so a reader never sees half an output. */
async function writeAtomically(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${randomUUID()}`;
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
