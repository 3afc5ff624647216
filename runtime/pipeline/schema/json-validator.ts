// The JSON check's fast path: the batch's payloads validated in one call into a small
// WebAssembly module (runtime/kernels/wasm/src/json.rs, SIMD over string bytes), about 2× the JavaScript
// scanner on event-sized payloads. It only answers "valid"; every message it does not call
// valid goes through the JavaScript scanner, which decides and words the reason.
import { INDEX_ENTRY_SIZE, type FlatBatch } from '../../batch/flat-batch.js';
import { KERNEL_MAX_BYTES, KernelInstance } from '../../kernels/instance.js';
import { TopLevelMembers } from './json-scan.js';

/** A batch larger than this (data, index and verdicts) is left to the JavaScript scanner. */
export const FAST_PATH_MAX_BYTES = KERNEL_MAX_BYTES;

/** Objects with more top-level members than this are indexed by the JavaScript scanner. */
const MEMBER_CAP = 256;
/** The member table: four i32 arrays and one byte array of MEMBER_CAP entries. */
const TABLE_BYTES = MEMBER_CAP * 17;

/**
 * One instance per owner (a topic loop's schema checker or transform chain); not shared between
 * concurrent users: `validate` and `loadData` use the same memory.
 */
export class WasmJsonValidator {
  /** Top-level members of the object `scanObject` indexed last: views into the module's memory. */
  readonly members = new TopLevelMembers();
  private readonly kernels: KernelInstance;
  private readonly base: number;
  private viewsOf: ArrayBuffer | undefined;

  private constructor(kernels: KernelInstance) {
    this.kernels = kernels;
    this.base = kernels.base;
  }

  /** Undefined where the engine cannot run the module (no WebAssembly SIMD): the JavaScript scanner then does it all. */
  static create(): WasmJsonValidator | undefined {
    const kernels = KernelInstance.create();
    return kernels && new WasmJsonValidator(kernels);
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
    if (!this.kernels.fits(end - this.base)) return undefined;
    const bytes = this.reserve(end);
    bytes.set(data, dataAt);
    bytes.set(index.subarray(0, count * INDEX_ENTRY_SIZE), indexAt);
    const invalid = this.kernels.exports.validate_batch(dataAt, indexAt, count, outAt);
    return { verdicts: bytes.subarray(outAt, end), invalid };
  }

  /**
   * Copies a batch's data into the module for `scanObject`, after the member table; false (and
   * nothing copied) when it is above FAST_PATH_MAX_BYTES.
   */
  loadData(data: Uint8Array): boolean {
    const end = this.dataAt + data.length;
    if (!this.kernels.fits(end - this.base)) return false;
    this.reserve(end).set(data, this.dataAt);
    return true;
  }

  /**
   * Indexes the payload at `[start, end)` of the data loaded last: its member count, the members
   * in `members` (offsets into that data), or -1 when it is not a valid object with at most
   * MEMBER_CAP members (the JavaScript scanner then decides, and says why).
   */
  scanObject(start: number, end: number): number {
    const n = this.kernels.exports.scan_object(this.dataAt, start, end, this.base, MEMBER_CAP);
    this.members.count = Math.max(0, n);
    return n;
  }

  private get dataAt(): number {
    return this.base + TABLE_BYTES;
  }

  /** The module's memory as bytes, grown to `end` first; the member views follow a grown memory. */
  private reserve(end: number): Uint8Array {
    const buffer = this.kernels.reserve(end);
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
