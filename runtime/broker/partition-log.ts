// One partition's messages: stamped batch records appended to a growing segment buffer, with
// an offset index (frame position and record per offset). A poll returns views of the stored
// bytes (whole records as they are, a fresh 256-byte header only where a record is cut).
// With a file, every record is also appended to it; reopening replays the file.
import { closeSync, fstatSync, openSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import { BATCH_HEADER_SIZE, BatchOffsets, type BatchLayout, sliceHeader, stampBatch, verifyBatch } from '../iggy/codec/index.js';
import { BrokerStorageError } from './broker-error.js';

export interface ReadResult {
  /** Record pieces to send back to back after the poll reply head. */
  pieces: Buffer[];
  count: number;
  bytes: number;
}

export class PartitionLog {
  private segment = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  /** Per record: start in segment, length, first offset, message count, base timestamp. */
  private recStart: number[] = [];
  private recLength: number[] = [];
  private recFirst: number[] = [];
  private recCount: number[] = [];
  private recTimestamp: bigint[] = [];
  /** Per offset: frame start in segment, and the record holding it. */
  private framePos = new Uint32Array(1024);
  private frameRecord = new Uint32Array(1024);
  private next = 0;
  private lastTimestamp = 0n;
  private fd: number | undefined;

  private constructor(readonly id: number) {}

  static inMemory(id: number): PartitionLog {
    return new PartitionLog(id);
  }

  /** Opens (creating if absent) the file and replays it; a torn last record is cut off. */
  static openFile(id: number, path: string): PartitionLog {
    const log = new PartitionLog(id);
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (cause) {
      throw new BrokerStorageError(`cannot open partition file ${path}: check that the data dir is writable`, { cause });
    }
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) read += readSync(fd, bytes, read, size - read, read);
    let at = 0;
    while (at + BATCH_HEADER_SIZE <= size) {
      const length = Number(bytes.readBigUInt64LE(at + BatchOffsets.batchLength));
      if (length < BATCH_HEADER_SIZE || at + length > size) break;
      const record = bytes.subarray(at, at + length);
      let layout: BatchLayout;
      try {
        layout = verifyBatch(record);
      } catch {
        break;
      }
      log.index(record, layout, record.readBigUInt64LE(BatchOffsets.baseTimestamp));
      at += length;
    }
    if (at < size) ftruncateSync(fd, at);
    log.fd = fd;
    return log;
  }

  /** Offset the next message gets (= messages count). */
  get nextOffset(): number {
    return this.next;
  }

  /** The latest offset, 0 when empty (what Iggy reports as current_offset). */
  get currentOffset(): bigint {
    return this.next === 0 ? 0n : BigInt(this.next - 1);
  }

  get sizeBytes(): number {
    return this.used;
  }

  /** Stamps and stores a verified producer record; returns its base offset. */
  append(record: Buffer, layout: BatchLayout, now: bigint): number {
    const base = this.next;
    // Keep timestamps non-decreasing so timestamp polls can binary-search records.
    const timestamp = now > this.lastTimestamp ? now : this.lastTimestamp;
    stampBatch(record, layout, { partitionId: this.id, baseOffset: BigInt(base), baseTimestamp: timestamp });
    if (this.fd !== undefined) writeSync(this.fd, record);
    this.index(record, layout, timestamp);
    return base;
  }

  private index(record: Buffer, layout: BatchLayout, timestamp: bigint): void {
    if (this.used + record.length > this.segment.length) {
      let size = this.segment.length * 2;
      while (size < this.used + record.length) size *= 2;
      // Older views handed to polls keep the old buffer alive; stored bytes never change.
      const grown = Buffer.allocUnsafe(size);
      this.segment.copy(grown, 0, 0, this.used);
      this.segment = grown;
    }
    const start = this.used;
    record.copy(this.segment, start);
    this.used += record.length;
    const r = this.recStart.length;
    this.recStart.push(start);
    this.recLength.push(record.length);
    this.recFirst.push(this.next);
    this.recCount.push(layout.messageCount);
    this.recTimestamp.push(timestamp);
    this.lastTimestamp = timestamp;
    if (this.next + layout.messageCount > this.framePos.length) {
      let size = this.framePos.length * 2;
      while (size < this.next + layout.messageCount) size *= 2;
      const pos = new Uint32Array(size);
      pos.set(this.framePos.subarray(0, this.next));
      const rec = new Uint32Array(size);
      rec.set(this.frameRecord.subarray(0, this.next));
      this.framePos = pos;
      this.frameRecord = rec;
    }
    for (let i = 0; i < layout.messageCount; i++) {
      this.framePos[this.next + i] = start + layout.frameStarts[i]!;
      this.frameRecord[this.next + i] = r;
    }
    this.next += layout.messageCount;
  }

  /**
   * Up to `count` messages from offset `from`, as record views. Stops before a record that would
   * take the reply past `maxBytes` (the first one is always included), so a huge count cannot
   * build a reply the client refuses.
   */
  read(from: number, count: number, maxBytes = Number.MAX_SAFE_INTEGER): ReadResult {
    const end = Math.min(from + count, this.next);
    const pieces: Buffer[] = [];
    let bytes = 0;
    let o = from;
    while (o < end) {
      if (bytes > 0 && bytes + this.recLength[this.frameRecord[o]!]! > maxBytes) break;
      const r = this.frameRecord[o]!;
      const recStart = this.recStart[r]!;
      const recEnd = recStart + this.recLength[r]!;
      const last = this.recFirst[r]! + this.recCount[r]! - 1;
      const sliceLast = Math.min(end - 1, last);
      if (o === this.recFirst[r] && sliceLast === last) {
        const whole = this.segment.subarray(recStart, recEnd);
        pieces.push(whole);
        bytes += whole.length;
      } else {
        const framesEnd = sliceLast === last ? recEnd : this.framePos[sliceLast + 1]!;
        const frames = this.segment.subarray(this.framePos[o]!, framesEnd);
        const header = sliceHeader(this.segment.subarray(recStart, recStart + BATCH_HEADER_SIZE), frames, sliceLast - o + 1);
        pieces.push(header, frames);
        bytes += header.length + frames.length;
      }
      o = sliceLast + 1;
    }
    return { pieces, count: Math.max(0, o - from), bytes };
  }

  /** First offset whose (record) timestamp is at or after `timestamp`; nextOffset when none. */
  offsetAtTimestamp(timestamp: bigint): number {
    let lo = 0;
    let hi = this.recTimestamp.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.recTimestamp[mid]! < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.recFirst.length ? this.recFirst[lo]! : this.next;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
