// The result section that opens the reply body of metadata operations, the consumer-offset
// writes and a non-empty Register: `[count:u32]` then `count` × `[index:u32][code:u32]`.
import { Operation, isResultFramed } from './protocol.js';
import { WireError } from './wire-error.js';

const ZERO_COUNT = Buffer.alloc(4);

/** Reply body pieces for a success: a zero count, then the payload. */
export const resultOk = (payload: Uint8Array = Buffer.alloc(0)): Uint8Array[] => [ZERO_COUNT, payload];

/** Reply body for a committed rejection with an Iggy error code. */
export function resultRejection(code: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(0, 4);
  b.writeUInt32LE(code, 8);
  return b;
}

export interface ReplyOutcome {
  /** 0 on success, else the Iggy error code carried by the result section. */
  status: number;
  /** The payload past the result section (a view); empty on rejection. */
  payload: Buffer;
}

/**
 * Strips the result section when the operation has one (what the 0.11.0 SDK's
 * `split_metadata_result` does); other bodies pass through untouched.
 */
export function splitReplyBody(operation: number, body: Buffer): ReplyOutcome {
  const framed = isResultFramed(operation) || (operation === Operation.Register && body.length > 0);
  if (!framed) return { status: 0, payload: body };
  if (body.length < 4) throw new WireError(`reply to operation ${operation} lacks its result section (${body.length} bytes)`);
  const count = body.readUInt32LE(0);
  const sectionLength = 4 + count * 8;
  if (body.length < sectionLength) {
    throw new WireError(`reply result section announces ${count} entries but the body holds ${body.length} bytes`);
  }
  if (count === 0) return { status: 0, payload: body.subarray(4) };
  return { status: body.readUInt32LE(8), payload: body.subarray(sectionLength, sectionLength) };
}
