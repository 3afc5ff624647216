// Checks a component's connector export against this host's WIT by type, not only by
// name: a component that exports `iggy:connector/sink@0.1.0` with other function or
// record types would load, receive coerced values and trap on every call. jco's
// TypeScript declarations of the exported interface (and of the types it uses) are
// compared with those of a reference component built from wit/, declaration by
// declaration, ignoring order and comments.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type ContractKind = 'sink' | 'source';

const WIT_DIR = fileURLToPath(new URL('../../../wit/', import.meta.url));
const WIT_FILES = ['types.wit', 'sink.wit', 'source.wit'];

/** The files of jco's declarations that describe the contract of `kind`. */
const FILES = (kind: ContractKind) => [`interfaces/iggy-connector-${kind}.d.ts`, 'interfaces/iggy-connector-types.d.ts'];

type Declarations = Map<string, string>;

/** Top-level declarations of a .d.ts, keyed by the name they declare, with comments and layout removed. */
function declarations(text: string): Declarations {
  const body = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const out: Declarations = new Map();
  for (const chunk of body.split(/\n(?=export )/)) {
    // Cut: the component's declarations are the guest's text.
    const decl = chunk.replace(/\s+/g, ' ').trim().slice(0, 300);
    if (!decl.startsWith('export ')) continue;
    const name = /^export (?:function|interface|type|class|const) ([\w$]+)/.exec(decl)?.[1] ?? decl;
    out.set(name, decl);
  }
  return out;
}

async function declarationsOf(component: Uint8Array, kind: ContractKind): Promise<Map<string, Declarations>> {
  const { transpile } = await import('@bytecodealliance/jco');
  const { files } = await transpile(component, { name: 'contract', instantiation: 'sync', quiet: true, wasiShim: false, base64Cutoff: 0 });
  const out = new Map<string, Declarations>();
  for (const file of FILES(kind)) {
    const bytes = (files as Record<string, Uint8Array>)[file];
    out.set(file, declarations(bytes ? new TextDecoder().decode(bytes) : ''));
  }
  return out;
}

const references = new Map<ContractKind, Promise<Map<string, Declarations>>>();

/** The declarations of a component built from this host's own WIT for `kind` (a dummy core module). */
function reference(kind: ContractKind): Promise<Map<string, Declarations>> {
  let ref = references.get(kind);
  if (!ref) {
    ref = (async () => {
      const { componentEmbed, componentNew } = await import('@bytecodealliance/jco');
      const parts = await Promise.all(WIT_FILES.map(async (f) => (await readFile(join(WIT_DIR, f), 'utf8')).replace(/^package [^;]+;$/m, '')));
      const witSource = `package iggy:connector@0.1.0;\n${parts.join('\n')}`;
      const embedded = await componentEmbed({ dummy: true, witSource, world: `${kind}-connector` });
      return declarationsOf(await componentNew(embedded, []), kind);
    })();
    references.set(kind, ref);
    ref.catch(() => references.delete(kind));
  }
  return ref;
}

/**
 * What differs between the component's `kind` export and the host's WIT, one line
 * per declaration; empty when they match. Declarations the host does not know (an
 * extra type in use) are not a mismatch: the host never calls or reads them.
 */
export async function contractMismatches(component: Uint8Array, kind: ContractKind): Promise<string[]> {
  const [expected, actual] = await Promise.all([reference(kind), declarationsOf(component, kind)]);
  const problems: string[] = [];
  for (const [file, want] of expected) {
    const got = actual.get(file) ?? new Map<string, string>();
    for (const [name, decl] of want) {
      const have = got.get(name);
      if (have === undefined) problems.push(`missing \`${decl}\``);
      else if (have !== decl) problems.push(`expected \`${decl}\`, found \`${have}\``);
    }
  }
  return problems;
}
