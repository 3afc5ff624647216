// Cuts a connection's byte stream into whole request frames (256-byte header + body, length
// from the header's size field). Refuses sizes below a header or above the broker's cap.
import { HEADER_SIZE, SIZE_OFFSET } from '../iggy/codec/index.js';

export class FrameTooLargeError extends Error {}

export class FrameSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the next frame needs before it is worth joining the chunks (avoids re-joining per chunk). */
  private needed = 0;

  constructor(private readonly maxFrameSize: number) {}

  /** Adds a chunk; returns the frames it completed. Throws FrameTooLargeError on an impossible size. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    if (this.pendingBytes < this.needed) return frames;
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let at = 0;
    this.needed = SIZE_OFFSET + 4;
    while (buf.length - at >= SIZE_OFFSET + 4) {
      const size = buf.readUInt32LE(at + SIZE_OFFSET);
      if (size < HEADER_SIZE || size > this.maxFrameSize) {
        throw new FrameTooLargeError(`frame announces ${size} bytes; the broker accepts ${HEADER_SIZE}..${this.maxFrameSize}`);
      }
      if (buf.length - at < size) {
        this.needed = size;
        break;
      }
      frames.push(buf.subarray(at, at + size));
      at += size;
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? [buf] : [];
    this.pendingBytes = buf.length;
    return frames;
  }

  get buffered(): number {
    return this.pendingBytes;
  }
}
