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
 * Feed it chunks with `push`; it returns the frames they completed, in order. Every frame is
 * copied into a buffer of exactly its size and no chunk is kept, so the caller may reuse the
 * chunk's memory as soon as `push` returns (the connection reads the socket into one buffer:
 * a fresh ArrayBuffer per read, several per poll reply, is what drove the sink's garbage
 * collections). After a protocol error the reader stays failed: the stream cannot be resynchronised.
 */
export class FrameReader {
  private readonly maxFrameSize: number;
  /** The start of a frame whose size field has not arrived yet. */
  private readonly head = Buffer.alloc(SIZE_FIELD_OFFSET + 4);
  private headFilled = 0;
  /** The frame being filled, once its size is known. */
  private frame: Buffer | undefined;
  private filled = 0;
  private failure: IggyProtocolError | undefined;

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes received but not yet part of a returned frame. */
  get pendingBytes(): number {
    return this.frame ? this.filled : this.headFilled;
  }

  /** Adds one chunk; returns the frames completed by it (possibly none). Throws IggyProtocolError on a bad size. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      let frame = this.frame;
      if (!frame) {
        const n = Math.min(this.head.length - this.headFilled, chunk.length - at);
        this.head.set(chunk.subarray(at, at + n), this.headFilled);
        this.headFilled += n;
        at += n;
        if (this.headFilled < this.head.length) break;
        frame = this.begin(this.head.readUInt32LE(SIZE_FIELD_OFFSET));
      }
      const n = Math.min(frame.length - this.filled, chunk.length - at);
      frame.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === frame.length) {
        frames.push(frame);
        this.frame = undefined;
      }
    }
    return frames;
  }

  /** Drops buffered bytes, e.g. when the connection is replaced. */
  reset(): void {
    this.headFilled = 0;
    this.frame = undefined;
    this.filled = 0;
  }

  private begin(size: number): Buffer {
    if (size < FRAME_HEADER_SIZE || size > this.maxFrameSize) {
      this.failure = new IggyProtocolError(
        `frame announces size ${size} bytes; a frame is ${FRAME_HEADER_SIZE}..${this.maxFrameSize} bytes ` +
          '(the peer is not speaking the Iggy binary protocol, or a byte was lost)',
      );
      this.reset();
      throw this.failure;
    }
    const frame = Buffer.allocUnsafe(size);
    this.head.copy(frame, 0, 0, this.headFilled);
    this.filled = this.headFilled;
    this.headFilled = 0;
    this.frame = frame;
    return frame;
  }
}
