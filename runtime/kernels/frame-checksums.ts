// XXH3-64 checksums of all the frames of a message batch in one call into the batch kernels,
// instead of one native call per frame (whose cost, about 0.3 µs, was three times the hashing).
import { KernelInstance } from './instance.js';

/** One per owner (a client's send path); not shared between concurrent users. */
export class FrameChecksums {
  private readonly kernels: KernelInstance;

  private constructor(kernels: KernelInstance) {
    this.kernels = kernels;
  }

  /** Undefined where the engine cannot run the kernels: the encoder then hashes frame by frame. */
  static create(): FrameChecksums | undefined {
    const kernels = KernelInstance.create();
    return kernels && new FrameChecksums(kernels);
  }

  /**
   * Writes every frame's checksum (over its bytes 8.. to its end, into its first 8 bytes) in
   * `target`: frame k starts at `starts[k]`, the last one ends at `end`. False, with nothing
   * written, when the frames are above what an instance may hold: hash them one by one then.
   */
  write(target: Uint8Array, starts: Uint32Array, count: number, end: number): boolean {
    const from = starts[0]!;
    const length = end - from;
    const base = this.kernels.base;
    const startsAt = base + length + (16 - (length % 16));
    const top = startsAt + 4 * count;
    if (!this.kernels.fits(top - base)) return false;
    const memory = this.kernels.reserve(top);
    const bytes = new Uint8Array(memory);
    bytes.set(target.subarray(from, end), base);
    // Frame starts relative to the copy.
    const rel = new Uint32Array(memory, startsAt, count);
    for (let k = 0; k < count; k++) rel[k] = starts[k]! - from;
    this.kernels.exports.hash_frames(base, startsAt, count, length);
    target.set(bytes.subarray(base, base + length), from);
    return true;
  }
}
