// The JSON check's fast path: the batch's payloads validated in one call into a small
// WebAssembly module (json-validator/, SIMD over string bytes), about 2× the JavaScript
// scanner on event-sized payloads. It only answers "valid"; every message it does not call
// valid goes through the JavaScript scanner, which decides and words the reason.
import { INDEX_ENTRY_SIZE, type FlatBatch } from '../../batch/flat-batch.js';
import { JSON_VALIDATOR_WASM_BASE64 } from './json-validator-wasm.js';
import { TopLevelMembers } from './json-scan.js';

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
  scan_object(base: number, start: number, end: number, table: number, cap: number): number;
}

const PAGE = 65_536;
/**
 * A batch larger than this (data, index and verdicts) is left to the JavaScript scanner: the
 * module's memory never shrinks, so this bounds what one check can keep for the worker's life.
 */
export const FAST_PATH_MAX_BYTES = 16 * 1024 * 1024;
/** Objects with more top-level members than this are indexed by the JavaScript scanner. */
const MEMBER_CAP = 256;
/** The member table: four i32 arrays and one byte array of MEMBER_CAP entries. */
const TABLE_BYTES = MEMBER_CAP * 17;

let compiled: CompiledModule | undefined;

/**
 * One instance per owner (a topic loop's schema checker or transform chain); not shared between
 * concurrent users: `validate` and `loadData` use the same memory.
 */
export class WasmJsonValidator {
  /** Top-level members of the object `scanObject` indexed last: views into the module's memory. */
  readonly members = new TopLevelMembers();
  private readonly exports: ValidatorExports;
  private readonly base: number;
  private viewsOf: ArrayBuffer | undefined;

  private constructor(exports: ValidatorExports) {
    this.exports = exports;
    // 16-byte aligned, so the member table's i32 arrays can be viewed in place.
    this.base = Math.ceil(exports.heap_base() / 16) * 16;
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
    const bytes = this.reserve(end);
    bytes.set(data, dataAt);
    bytes.set(index.subarray(0, count * INDEX_ENTRY_SIZE), indexAt);
    const invalid = this.exports.validate_batch(dataAt, indexAt, count, outAt);
    return { verdicts: bytes.subarray(outAt, end), invalid };
  }

  /**
   * Copies a batch's data into the module for `scanObject`, after the member table; false (and
   * nothing copied) when it is above FAST_PATH_MAX_BYTES.
   */
  loadData(data: Uint8Array): boolean {
    const end = this.dataAt + data.length;
    if (end - this.base > FAST_PATH_MAX_BYTES) return false;
    this.reserve(end).set(data, this.dataAt);
    return true;
  }

  /**
   * Indexes the payload at `[start, end)` of the data loaded last: its member count, the members
   * in `members` (offsets into that data), or -1 when it is not a valid object with at most
   * MEMBER_CAP members (the JavaScript scanner then decides, and says why).
   */
  scanObject(start: number, end: number): number {
    const n = this.exports.scan_object(this.dataAt, start, end, this.base, MEMBER_CAP);
    this.members.count = Math.max(0, n);
    return n;
  }

  private get dataAt(): number {
    return this.base + TABLE_BYTES;
  }

  /** The module's memory as bytes, grown to `end` first; the member views follow a grown memory. */
  private reserve(end: number): Uint8Array {
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    const buffer = memory.buffer;
    if (this.viewsOf !== buffer) {
      this.viewsOf = buffer;
      const m = this.members;
      m.keyStart = new Int32Array(buffer, this.base, MEMBER_CAP);
      m.keyEnd = new Int32Array(buffer, this.base + 4 * MEMBER_CAP, MEMBER_CAP);
      m.valueStart = new Int32Array(buffer, this.base + 8 * MEMBER_CAP, MEMBER_CAP);
      m.valueEnd = new Int32Array(buffer, this.base + 12 * MEMBER_CAP, MEMBER_CAP);
      m.keyEscaped = new Uint8Array(buffer, this.base + 16 * MEMBER_CAP, MEMBER_CAP);
    }
    return new Uint8Array(buffer);
  }
}
