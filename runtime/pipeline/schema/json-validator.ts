// The JSON check's fast path: the batch's payloads validated in one call into a small
// WebAssembly module (json-validator/, SIMD over string bytes), about 2× the JavaScript
// scanner on event-sized payloads. It only answers "valid"; every message it does not call
// valid goes through the JavaScript scanner, which decides and words the reason.
import { INDEX_ENTRY_SIZE, type FlatBatch } from '../../batch/flat-batch.js';
import { JSON_VALIDATOR_WASM_BASE64 } from './json-validator-wasm.js';

// The project compiles without the DOM library, where WebAssembly's types live; the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: object) => { exports: unknown };
};
interface CompiledModule {
  readonly compiled: unique symbol;
}

interface ValidatorExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heap_base(): number;
  validate_batch(data: number, index: number, count: number, out: number): number;
}

const PAGE = 65_536;
/**
 * A batch larger than this (data, index and verdicts) is left to the JavaScript scanner: the
 * module's memory never shrinks, so this bounds what one check can keep for the worker's life.
 */
export const FAST_PATH_MAX_BYTES = 16 * 1024 * 1024;

let compiled: CompiledModule | undefined;

/** One instance per owner (a topic loop's checker); not shared between concurrent users. */
export class WasmJsonValidator {
  private readonly exports: ValidatorExports;
  private readonly base: number;

  private constructor(exports: ValidatorExports) {
    this.exports = exports;
    this.base = exports.heap_base();
  }

  /** Undefined where the engine cannot run the module (no WebAssembly SIMD): the JavaScript scanner then does it all. */
  static create(): WasmJsonValidator | undefined {
    try {
      // The module is a constant of this build; compiling it once per thread is enough.
      compiled ??= new WebAssembly.Module(Buffer.from(JSON_VALIDATOR_WASM_BASE64, 'base64'));
      const instance = new WebAssembly.Instance(compiled, {});
      return new WasmJsonValidator(instance.exports as unknown as ValidatorExports);
    } catch {
      return undefined;
    }
  }

  /**
   * One byte per message, 1 where the payload is valid JSON, and how many are not; undefined
   * when the batch is above FAST_PATH_MAX_BYTES. The verdicts are a view that the next call overwrites.
   */
  validate(batch: FlatBatch): { verdicts: Uint8Array; invalid: number } | undefined {
    const { data, index, count } = batch;
    const dataAt = this.base;
    const indexAt = dataAt + data.length;
    const outAt = indexAt + count * INDEX_ENTRY_SIZE;
    const end = outAt + count;
    if (end - this.base > FAST_PATH_MAX_BYTES) return undefined;
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(data, dataAt);
    bytes.set(index.subarray(0, count * INDEX_ENTRY_SIZE), indexAt);
    const invalid = this.exports.validate_batch(dataAt, indexAt, count, outAt);
    return { verdicts: bytes.subarray(outAt, end), invalid };
  }
}
