// One instance of the batch kernels (kernels-wasm.ts): the compiled module is shared by every
// instance in a thread, each owner (a schema checker, a transform chain, a client) has its own
// instance and memory, so no two users ever write over each other's bytes.
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

// The project compiles without the DOM library, where WebAssembly's types live; the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: object) => { exports: unknown };
};
interface CompiledModule {
  readonly compiled: unique symbol;
}

export interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heap_base(): number;
  validate_batch(data: number, index: number, count: number, out: number): number;
  scan_object(base: number, start: number, end: number, table: number, cap: number): number;
  hash_frames(base: number, starts: number, count: number, end: number): void;
}

const PAGE = 65_536;
/**
 * What one instance may hold: its memory never shrinks, so a batch above this is left to the
 * JavaScript paths instead of growing it for the worker's life.
 */
export const KERNEL_MAX_BYTES = 16 * 1024 * 1024;

let compiled: CompiledModule | undefined;

export class KernelInstance {
  readonly exports: KernelExports;
  /** First byte the host may use (16-byte aligned, so i32 arrays can be viewed in place). */
  readonly base: number;

  private constructor(exports: KernelExports) {
    this.exports = exports;
    this.base = Math.ceil(exports.heap_base() / 16) * 16;
  }

  /** Undefined where the engine cannot run the module (no WebAssembly SIMD): callers then use their JavaScript path. */
  static create(): KernelInstance | undefined {
    try {
      // The module is a constant of this build; compiling it once per thread is enough.
      compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
      return new KernelInstance(new WebAssembly.Instance(compiled, {}).exports as KernelExports);
    } catch {
      return undefined;
    }
  }

  /** True when `bytes` from `base` on fit within KERNEL_MAX_BYTES. */
  fits(bytes: number): boolean {
    return bytes <= KERNEL_MAX_BYTES;
  }

  /** The memory's current buffer, grown first so that it reaches `end` (an address). */
  reserve(end: number): ArrayBuffer {
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    return memory.buffer;
  }
}
