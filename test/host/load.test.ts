// loadComponent's checks before any guest code runs: file format, the exported
// world, unknown imports, and the transpile cache (memory, disk, no shim imports).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { ComponentFormatError, ComponentImportError, ComponentWorldError, loadComponent, TranspileCache } from '../../runtime/host/index.js';
import { cache, captureLogger, exampleGuest, fixtureGuest } from './support.js';

const { logger } = captureLogger();

describe('loadComponent checks', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-load-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses a core module, naming what to build instead', async () => {
    const path = join(dir, 'core.wasm');
    await writeFile(path, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    await assert.rejects(
      loadComponent(path, { logger, cache }),
      (e: unknown) => e instanceof ComponentFormatError && e.code === 'COMPONENT_FORMAT' && /core WebAssembly module, not a component/.test(e.message),
    );
  });

  it('refuses a file that is not WebAssembly and a missing file', async () => {
    const path = join(dir, 'text.wasm');
    await writeFile(path, 'hello, not wasm');
    await assert.rejects(loadComponent(path, { logger, cache }), (e: unknown) => e instanceof ComponentFormatError && /not a WebAssembly file/.test(e.message));
    await assert.rejects(
      loadComponent(join(dir, 'absent.wasm'), { logger, cache }),
      (e: unknown) => e instanceof ComponentFormatError && /cannot read component/.test(e.message),
    );
  });

  it('refuses a component exporting a custom interface, naming the missing export and what it exports', async () => {
    await assert.rejects(
      loadComponent(fixtureGuest('wrong-world'), { logger, cache, kind: 'sink' }),
      (e: unknown) =>
        e instanceof ComponentWorldError &&
        e.code === 'COMPONENT_WORLD' &&
        e.message.includes('does not export iggy:connector/sink@0.1.0') &&
        e.message.includes('it exports greeter'),
    );
    await assert.rejects(
      loadComponent(fixtureGuest('wrong-world'), { logger, cache }),
      (e: unknown) => e instanceof ComponentWorldError && e.message.includes('exports neither iggy:connector/sink@0.1.0 nor iggy:connector/source@0.1.0'),
    );
  });

  it('refuses a source loaded as a sink', async () => {
    await assert.rejects(
      loadComponent(exampleGuest('random-source'), { logger, cache, kind: 'sink' }),
      (e: unknown) =>
        e instanceof ComponentWorldError && e.message.includes('iggy:connector/sink@0.1.0') && e.message.includes('exports iggy:connector/source@0.1.0'),
    );
    const source = await loadComponent(exampleGuest('random-source'), { logger, cache });
    await assert.rejects(source.instantiateSink(), ComponentWorldError);
  });

  it('refuses imports the host does not provide, listing them', async () => {
    const witSource = `
      package test:fixture;
      package acme:kv@1.0.0 { interface store { get: func(key: string) -> string; } }
      package iggy:connector@0.1.0 { interface sink { open: func(config: string) -> result<_, string>; } }
      world unknown-import { import acme:kv/store@1.0.0; export iggy:connector/sink@0.1.0; }
    `;
    const path = join(dir, 'unknown-import.wasm');
    await writeFile(path, await componentNew(await componentEmbed({ dummy: true, witSource, world: 'unknown-import' })));
    await assert.rejects(
      loadComponent(path, { logger, cache }),
      (e: unknown) =>
        e instanceof ComponentImportError &&
        e.code === 'COMPONENT_IMPORTS' &&
        e.unknownImports.join() === 'acme:kv/store@1.0.0' &&
        e.message.includes('acme:kv/store@1.0.0'),
    );
  });
});

describe('transpile cache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-cache-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('transpiles once, then serves from memory and, in a new process-level cache, from disk', async () => {
    const path = fixtureGuest('trap-sink');
    const first = await loadComponent(path, { logger, cacheDir: dir, cache: new TranspileCache(dir) });
    assert.equal(first.timings.cache, 'none');
    assert.ok(first.timings.transpileMs > 0);
    const shared = new TranspileCache(dir);
    const fromDisk = await loadComponent(path, { logger, cache: shared });
    assert.equal(fromDisk.timings.cache, 'disk');
    assert.equal(fromDisk.timings.transpileMs, 0);
    const fromMemory = await loadComponent(path, { logger, cache: shared });
    assert.equal(fromMemory.timings.cache, 'memory');
    assert.equal(fromMemory.sha256, first.sha256);
    const sink = await fromMemory.instantiateSink();
    sink.open('{}');
    assert.ok(fromMemory.timings.instantiateMs > 0);
  });

  it('generates JS that imports no WASI shim: the host supplies every import', async () => {
    const component = await loadComponent(exampleGuest('stdout-sink'), { logger, cacheDir: dir });
    const js = await readFile(join(dir, `${component.sha256}-jco-1.35-sync-v1`, 'component.js'), 'utf8');
    assert.ok(!js.includes('preview2-shim'), 'generated JS mentions preview2-shim');
    assert.doesNotMatch(js, /^\s*import\s/m);
  });
});
