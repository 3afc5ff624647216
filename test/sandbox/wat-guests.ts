// Builds the hand-written WAT guests of test/fixtures/wat/ into components, in a few
// milliseconds each, with the wasm-tools that jco bundles: the fixture's module
// fields are wrapped with prelude.wat, embedded with the connector WIT (plus
// extra.wit) and turned into a component. A `;; inject-memories: N PAGES` header adds
// N core modules, each defining a memory its start function grows by PAGES and
// touches page by page: what a component may hold beside its main module's memory.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { componentEmbed, componentNew, parse, print } from '@bytecodealliance/jco';
import { ROOT } from '../helpers/paths.js';

const WAT_DIR = join(ROOT, 'test', 'fixtures', 'wat');

async function witSource(): Promise<string> {
  const files = ['types.wit', 'sink.wit', 'source.wit'].map((f) => join(ROOT, 'wit', f));
  const parts = await Promise.all(files.map(async (f) => (await readFile(f, 'utf8')).replace(/^package [^;]+;$/m, '')));
  return `package iggy:connector@0.1.0;\n${parts.join('\n')}\n${await readFile(join(WAT_DIR, 'extra.wit'), 'utf8')}`;
}

function injectedModules(count: number, pages: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    out += `(core module $hog${i} (memory 1)
      (func $grow (local $p i32)
        (if (i32.ne (memory.grow (i32.const ${pages})) (i32.const -1))
          (then (loop $touch
            (i32.store8 (local.get $p) (i32.const 1))
            (local.set $p (i32.add (local.get $p) (i32.const 65536)))
            (br_if $touch (i32.lt_u (local.get $p) (i32.mul (memory.size) (i32.const 65536))))))))
      (start $grow))
    (core instance $hog_instance${i} (instantiate $hog${i}))\n`;
  }
  return out;
}

/** Builds `test/fixtures/wat/<name>.wat` to `<name>.wasm` beside it and returns that path. */
export async function watGuest(name: string): Promise<string> {
  const text = await readFile(join(WAT_DIR, `${name}.wat`), 'utf8');
  const world = /^;; world: (\S+)/m.exec(text)?.[1] ?? 'sink-connector';
  const prelude = await readFile(join(WAT_DIR, 'prelude.wat'), 'utf8');
  // Imports must come before the prelude's definitions.
  const imports = text.split('\n').filter((l) => l.startsWith('(import '));
  const rest = text.split('\n').filter((l) => !l.startsWith('(import '));
  const core = await parse(`(module\n${imports.join('\n')}\n${prelude}\n${rest.join('\n')}\n)`);
  // `;; wit: <file>` embeds that WIT instead of the connector's own (a contract that differs).
  const ownWit = /^;; wit: (\S+)/m.exec(text)?.[1];
  const wit = ownWit ? await readFile(join(WAT_DIR, ownWit), 'utf8') : await witSource();
  const embedded = await componentEmbed({ binary: core, witSource: wit, world });
  let component = await componentNew(embedded, []);
  const inject = /^;; inject-memories: (\d+) (\d+)/m.exec(text);
  if (inject) {
    const wat = await print(component);
    const anchor = /\(core instance \$main \(;\d+;\) \(instantiate \$main\)\)/.exec(wat);
    if (!anchor) throw new Error(`cannot find the main instance in the printed component of ${name}`);
    const at = anchor.index + anchor[0].length;
    component = await parse(`${wat.slice(0, at)}\n${injectedModules(Number(inject[1]), Number(inject[2]))}${wat.slice(at)}`);
  }
  const out = join(WAT_DIR, `${name.replaceAll('-', '_')}.wasm`);
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, component);
  await rename(tmp, out);
  return out;
}
