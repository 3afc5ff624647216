// What a component file declares: checks that the bytes are a component (not a core
// module) and lists its world's imports and exports from the WIT jco prints for it.
import { contractMismatches, type ContractKind } from './contract.js';
import { ComponentFormatError } from './errors.js';

export interface ComponentWorld {
  /** Interface names with their version, e.g. `wasi:io/poll@0.2.12`, or plain names for function imports. */
  imports: string[];
  exports: string[];
  /** For each connector interface it exports: how its types differ from the host's WIT (empty: they match). */
  contract: Partial<Record<ContractKind, string[]>>;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const COMPONENT_LAYER = [0x0d, 0x00, 0x01, 0x00];
const CORE_LAYER = [0x01, 0x00, 0x00, 0x00];

const startsWith = (bytes: Uint8Array, at: number, expected: number[]) => expected.every((b, i) => bytes[at + i] === b);

export function checkComponentBytes(bytes: Uint8Array, path: string): void {
  if (bytes.length < 8 || !startsWith(bytes, 0, WASM_MAGIC)) {
    throw new ComponentFormatError(`${path} is not a WebAssembly file (no \\0asm header); point the connector at a built .wasm component`);
  }
  if (startsWith(bytes, 4, CORE_LAYER)) {
    throw new ComponentFormatError(
      `${path} is a core WebAssembly module, not a component; build it for a component target ` +
        '(cargo --target wasm32-wasip2, componentize-js, or wasm-tools component new)',
    );
  }
  if (!startsWith(bytes, 4, COMPONENT_LAYER)) {
    throw new ComponentFormatError(`${path} has an unsupported WebAssembly version/layer header; expected a component (layer 1)`);
  }
}

/** Strips the `@version` of an interface name: the import object is keyed without it. */
export const unversioned = (name: string): string => name.replace(/@[^@/]*$/, '');

const ITEM = /^\s*(import|export)\s+(?:([\w%-]+:[\w%-]+\/[\w%-]+(?:@[\w.+-]+)?)\s*;|([\w%-]+)\s*:)/;

export async function inspectWorld(bytes: Uint8Array, path: string): Promise<ComponentWorld> {
  let wit: string;
  try {
    // jco costs ~25 MB per thread once loaded: import it only when a component is not in the cache.
    const { componentWit } = await import('@bytecodealliance/jco');
    wit = await componentWit(bytes);
  } catch (cause) {
    throw new ComponentFormatError(`${path} could not be decoded as a component: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const world: ComponentWorld = { imports: [], exports: [], contract: {} };
  const lines = wit.split('\n');
  const start = lines.findIndex((l) => /^world\s+\S+\s*\{/.test(l));
  for (let i = start + 1; start >= 0 && i < lines.length && lines[i] !== '}'; i++) {
    const m = ITEM.exec(lines[i]);
    if (!m) continue;
    (m[1] === 'import' ? world.imports : world.exports).push(m[2] ?? m[3]);
  }
  for (const kind of ['sink', 'source'] as const) {
    if (!world.exports.includes(`iggy:connector/${kind}@0.1.0`)) continue;
    try {
      world.contract[kind] = await contractMismatches(bytes, kind);
    } catch (cause) {
      throw new ComponentFormatError(
        `${path}: its iggy:connector/${kind} export could not be checked against the host's WIT: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  }
  return world;
}
