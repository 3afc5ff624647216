// loadComponent: from a .wasm path to something that makes sink or source
// instances. Checks the file and its world before any JS is generated, so a wrong
// file fails with a message about the file, not about jco.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';
import {
  ComponentFormatError,
  ComponentImportError,
  ComponentLimitError,
  ComponentWorldError,
  FilesystemHungError,
  GrantError,
  GuestTrapError,
} from './errors.js';
import { InstanceBudget, ModuleLimitError, WASM_PAGE } from './module-limits.js';
import { sinkGuest, sourceGuest, GuestCore, type SinkExports, type SinkGuest, type SourceExports, type SourceGuest } from './guest.js';
import { checkComponentBytes, inspectWorld, unversioned } from './inspect.js';
import { sha256Of, TranspileCache } from './transpile-cache.js';
import { buildImports, KNOWN_IMPORTS } from './wasi/imports.js';
import { FileThread } from './wasi/file-link.js';
import type { FileLink, PreopenGrant } from './wasi/filesystem.js';
import { wasm, type WasmMemory, type WasmModule } from './wasm.js';

export type ConnectorKind = 'sink' | 'source';
export type Preopen = PreopenGrant;

export interface Grants {
  /** wasi:filesystem directories; none by default. */
  preopens?: Preopen[];
  /** Names of environment variables the guest may read (values from process.env); none by default. */
  env?: string[];
  /** Guest stdout/stderr: 'log' (default) = lines to the logger, 'inherit' = this process's streams, 'discard'. */
  stdio?: 'log' | 'inherit' | 'discard';
  /** Destinations the http-client and postgres capabilities may reach (docs/security.md, "Network access"); raw sockets stay denied. */
  allowedHosts?: string[];
}

export interface LoadOptions {
  /** Inferred from the exports when omitted. */
  kind?: ConnectorKind;
  grants?: Grants;
  logger: Logger;
  /** On-disk transpile cache; default `.cache/components/` under the project. */
  cacheDir?: string;
  /**
   * Hard limit on the guest's linear memory, in bytes (rounded down to 64 KiB
   * pages): memory.grow past it fails inside the guest, which then traps. None by default.
   */
  memoryLimitBytes?: number;
  /** Share one in-memory cache between loads (tests, the supervisor); default: one per cacheDir for the process. */
  cache?: TranspileCache;
  /**
   * The connector's file I/O thread (its shared block, see wasi/file-link.ts), owned by
   * the caller: the runtime keeps one per connector, in the main thread. Without it, a
   * component with preopens starts a file I/O thread of its own at its first instance.
   */
  fileLink?: SharedArrayBuffer;
  /** The connector's limits.call_timeout; a file operation gives up within it (default 30 s). */
  callTimeoutMs?: number;
}

export interface LoadTimings {
  /** Reading the file and checking its world. */
  inspectMs: number;
  /** jco transpile; 0 when the output came from a cache. */
  transpileMs: number;
  /** Cache read or transpile plus compiling the core modules. */
  loadMs: number;
  cache: 'memory' | 'disk' | 'none';
  /** The most recent instantiate*() call, 0 before the first. */
  instantiateMs: number;
}

export interface LoadedComponent {
  readonly kind: ConnectorKind;
  /** The component's imports as it names them (with versions). */
  readonly imports: string[];
  readonly exports: string[];
  readonly sha256: string;
  readonly timings: LoadTimings;
  instantiateSink(): Promise<SinkGuest>;
  instantiateSource(): Promise<SourceGuest>;
}

const EXPORT_OF: Record<ConnectorKind, string> = {
  sink: 'iggy:connector/sink@0.1.0',
  source: 'iggy:connector/source@0.1.0',
};

const DEFAULT_CACHE_DIR = fileURLToPath(new URL('../../../.cache/components/', import.meta.url));
const caches = new Map<string, TranspileCache>();

function cacheFor(options: LoadOptions): TranspileCache {
  if (options.cache) return options.cache;
  const dir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  let cache = caches.get(dir);
  if (!cache) {
    cache = new TranspileCache(dir);
    caches.set(dir, cache);
  }
  return cache;
}

function chooseKind(path: string, exports: string[], wanted: ConnectorKind | undefined): ConnectorKind {
  const has = (k: ConnectorKind) => exports.includes(EXPORT_OF[k]);
  const exported = exports.length ? exports.join(', ') : 'nothing';
  if (wanted) {
    if (!has(wanted)) {
      throw new ComponentWorldError(
        `${path} does not export ${EXPORT_OF[wanted]}, so it cannot run as a ${wanted}; it exports ${exported}. Build it for the world ${wanted}-connector.`,
      );
    }
    return wanted;
  }
  if (has('sink') && has('source')) {
    throw new ComponentWorldError(`${path} exports both ${EXPORT_OF.sink} and ${EXPORT_OF.source}; say which kind to run it as`);
  }
  if (has('sink')) return 'sink';
  if (has('source')) return 'source';
  throw new ComponentWorldError(
    `${path} exports neither ${EXPORT_OF.sink} nor ${EXPORT_OF.source}; it exports ${exported}. Build it for the world sink-connector or source-connector.`,
  );
}

export async function loadComponent(wasmPath: string, options: LoadOptions): Promise<LoadedComponent> {
  const started = performance.now();
  let bytes: Buffer;
  try {
    bytes = await readFile(wasmPath);
  } catch (cause) {
    throw new ComponentFormatError(`cannot read component ${wasmPath}: ${(cause as Error).message}`, { cause });
  }
  checkComponentBytes(bytes, wasmPath);
  const cache = cacheFor(options);
  const sha256 = sha256Of(bytes);
  const world = await cache.world(sha256, () => inspectWorld(bytes, wasmPath));
  const kind = chooseKind(wasmPath, world.exports, options.kind);
  const unknown = world.imports.filter((name) => !KNOWN_IMPORTS.has(unversioned(name)));
  if (unknown.length > 0) {
    throw new ComponentImportError(
      unknown,
      `${wasmPath} imports what this host does not provide: ${unknown.join(', ')}. Remove those imports from the guest (or its world).`,
    );
  }
  const mismatches = world.contract?.[kind] ?? [];
  if (mismatches.length > 0) {
    throw new ComponentWorldError(
      `${wasmPath} exports ${EXPORT_OF[kind]} with types that differ from this host's WIT (wit/${kind}.wit, wit/types.wit), so every call would receive or return garbage: ` +
        `${mismatches.slice(0, 5).join('; ')}${mismatches.length > 5 ? `; and ${mismatches.length - 5} more` : ''}. Rebuild it against this runtime's wit/ folder.`,
    );
  }
  const inspectMs = performance.now() - started;
  const transpiled = await cache.get(bytes, sha256);
  const logger = options.logger;
  const grants = options.grants ?? {};
  const timings: LoadTimings = {
    inspectMs,
    transpileMs: transpiled.transpileMs,
    loadMs: transpiled.loadMs,
    cache: transpiled.fromCache,
    instantiateMs: 0,
  };
  logger.debug({ component: wasmPath, kind, ...timings }, 'component loaded');

  const maxMemoryPages = options.memoryLimitBytes === undefined ? 0 : Math.floor(options.memoryLimitBytes / WASM_PAGE);
  if (options.memoryLimitBytes !== undefined && maxMemoryPages < 1) {
    throw new GrantError(`memoryLimitBytes ${options.memoryLimitBytes} is below one WebAssembly page (${WASM_PAGE} bytes)`);
  }
  let coreModules: Map<string, WasmModule>;
  try {
    coreModules = await transpiled.coreModules(maxMemoryPages);
  } catch (cause) {
    if (cause instanceof ModuleLimitError)
      throw new ComponentLimitError(
        `${wasmPath} cannot run within the sandbox's limits (memoryLimitBytes ${options.memoryLimitBytes ?? 'none'}): ${cause.message}`,
        { cause },
      );
    throw cause;
  }

  // Without a link from the caller, the instances of this component share a file I/O thread of its own,
  // which ends with the process (it is unref'd): tests and the conformance kit load components this way.
  let ownFiles: FileThread | undefined;
  const fileLink = (): FileLink | undefined => {
    if (!grants.preopens?.length) return undefined;
    if (options.fileLink) return { block: options.fileLink, exclusive: true };
    if (!ownFiles || ownFiles.ended) ownFiles = new FileThread();
    return { block: ownFiles.block, exclusive: false };
  };

  const instantiate = (): { exports: Record<string, unknown>; core: GuestCore } => {
    const t = performance.now();
    const files = fileLink();
    const guestImports = buildImports(grants, logger, {
      ...(files ? { files } : {}),
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    });
    const memories: WasmMemory[] = [];
    const budget = new InstanceBudget(maxMemoryPages);
    const getCoreModule = (name: string): WasmModule => {
      const m = coreModules.get(name);
      if (!m) throw new ComponentFormatError(`transpiled output of ${wasmPath} lacks core module ${name}; delete the cache entry ${transpiled.sha256}`);
      return m;
    };
    let exports: Record<string, unknown>;
    try {
      exports = transpiled.module.instantiate(getCoreModule, guestImports.imports, (module, importObject) => {
        budget.admit(module);
        const instance = new wasm.Instance(module, importObject ?? {});
        // Keep every memory a core instance exports, each once (adapters re-export
        // the main module's; every defined memory is exported under a host-only name),
        // to report the guest's whole footprint. The hard caps are already in the
        // compiled modules (module-limits.ts).
        for (const value of Object.values(instance.exports)) {
          if (value instanceof (wasm.Memory as unknown as new () => WasmMemory) && !memories.includes(value)) memories.push(value);
        }
        return instance;
      });
    } catch (err) {
      guestImports.close();
      if (err instanceof FilesystemHungError) throw err;
      if (err instanceof ModuleLimitError) throw new ComponentLimitError(`${wasmPath} cannot run within the sandbox's limits: ${err.message}`, { cause: err });
      throw new GuestTrapError('instantiate', `instantiating ${wasmPath} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    timings.instantiateMs = performance.now() - t;
    return { exports, core: new GuestCore(memories, guestImports) };
  };

  return {
    kind,
    imports: world.imports,
    exports: world.exports,
    sha256: transpiled.sha256,
    timings,
    async instantiateSink() {
      if (kind !== 'sink') throw new ComponentWorldError(`${wasmPath} was loaded as a ${kind}; it has no sink export to instantiate`);
      const { exports, core } = instantiate();
      return sinkGuest(exports[EXPORT_OF.sink] as SinkExports, core);
    },
    async instantiateSource() {
      if (kind !== 'source') throw new ComponentWorldError(`${wasmPath} was loaded as a ${kind}; it has no source export to instantiate`);
      const { exports, core } = instantiate();
      return sourceGuest(exports[EXPORT_OF.source] as SourceExports, core);
    },
  };
}
