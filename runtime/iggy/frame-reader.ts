// Incremental framing of Iggy's TCP stream: socket chunks in, whole frames
// (256-byte header + body, length from the header's `size` field) out. No I/O.
import { IggyProtocolError } from './errors.js';

/** Every consensus header (request, reply, eviction) is this long. */
export const FRAME_HEADER_SIZE = 256;
/** Byte offset of the u32 `size` field (header + body) shared by every header kind. */
export const SIZE_FIELD_OFFSET = 48;
/** Default cap on one frame; a poll reply of 10,000 messages of 10 KB fits with room to spare. */
export const DEFAULT_MAX_FRAME_SIZE = 256 * 1024 * 1024;

export interface FrameReaderOptions {
  /** Frames announcing more than this are refused as a broken or hostile peer. */
  maxFrameSize?: number;
}

/**
 * Feed it chunks with `push`; it returns the frames they completed, in order. A frame that
 * lies inside one chunk is returned as a view of that chunk (no copy); a frame spread over
 * several chunks is copied once into a buffer of exactly its size.
 * After a protocol error the reader stays failed: the stream cannot be resynchronised.
 */
export class FrameReader {
  private readonly maxFrameSize: number;
  private chunks: Buffer[] = [];
  /** Bytes held in `chunks`, minus what `head` already consumed of the first one. */
  private buffered = 0;
  /** Bytes of `chunks[0]` already handed out. */
  private head = 0;
  private failure: IggyProtocolError | undefined;

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes received but not yet part of a returned frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds one chunk; returns the frames completed by it (possibly none). Throws IggyProtocolError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    while (this.buffered >= SIZE_FIELD_OFFSET + 4) {
      const size = this.peekSize();
      if (size < FRAME_HEADER_SIZE || size > this.maxFrameSize) {
        this.failure = new IggyProtocolError(
          `frame announces size ${size} bytes; a frame is ${FRAME_HEADER_SIZE}..${this.maxFrameSize} bytes ` +
            '(the peer is not speaking the Iggy binary protocol, or a byte was lost)',
        );
        this.reset();
        throw this.failure;
      }
      if (this.buffered < size) break;
      frames.push(this.take(size));
    }
    return frames;
  }

  /** Drops buffered bytes, e.g. when the connection is replaced. */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.head = 0;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    const at = this.head + SIZE_FIELD_OFFSET;
    if (at + 4 <= first.length) return first.readUInt32LE(at);
    // The size field straddles chunks: read its four bytes one by one.
    let value = 0;
    for (let i = 0; i < 4; i++) value += this.byteAt(SIZE_FIELD_OFFSET + i) * 2 ** (8 * i);
    return value;
  }

  private byteAt(position: number): number {
    let skip = this.head + position;
    for (const chunk of this.chunks) {
      if (skip < chunk.length) return chunk[skip]!;
      skip -= chunk.length;
    }
    throw new RangeError('byteAt past buffered data');
  }

  private take(size: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.head >= size) {
      const frame = first.subarray(this.head, this.head + size);
      this.advance(size);
      return frame;
    }
    const frame = Buffer.allocUnsafe(size);
    let written = 0;
    while (written < size) {
      const chunk = this.chunks[0]!;
      const n = Math.min(size - written, chunk.length - this.head);
      chunk.copy(frame, written, this.head, this.head + n);
      written += n;
      this.advance(n);
    }
    return frame;
  }

  /** Consumes n bytes from the front (n never exceeds what is left of the first chunk). */
  private advance(n: number): void {
    this.head += n;
    this.buffered -= n;
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
