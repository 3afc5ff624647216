// wasi:clocks and wasi:random: always granted (wit/README.md), read from Node's own
// clock and CSPRNG.
import { randomBytes, randomFillSync } from 'node:crypto';
import { Pollable } from './io.js';

/**
 * The most random bytes one call may ask for. The host allocates what the guest asks
 * before copying it into the guest, so the length must be bounded here; a guest asking
 * more traps with a message that says so (WASI has no error to return).
 */
export const MAX_RANDOM_BYTES = 1 << 20;

function randomOf(len: bigint): Uint8Array {
  if (len > BigInt(MAX_RANDOM_BYTES)) {
    throw new RangeError(`get-random-bytes asked for ${len} bytes, above the host's limit of ${MAX_RANDOM_BYTES} per call; ask in smaller pieces`);
  }
  return randomBytes(Number(len));
}

const monotonicNow = (): bigint => process.hrtime.bigint();

export function clockAndRandomImports() {
  return {
    'wasi:clocks/monotonic-clock': {
      now: monotonicNow,
      resolution: (): bigint => 1n,
      subscribeInstant: (when: bigint) => new Pollable(when),
      subscribeDuration: (ns: bigint) => new Pollable(monotonicNow() + ns),
    },
    'wasi:clocks/wall-clock': {
      now() {
        const ms = BigInt(Date.now());
        return { seconds: ms / 1000n, nanoseconds: Number(ms % 1000n) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:random/random': {
      getRandomBytes: randomOf,
      getRandomU64: (): bigint => randomFillSync(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomOf,
      getInsecureRandomU64: (): bigint => randomFillSync(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure-seed': {
      insecureSeed: (): [bigint, bigint] => {
        const seed = randomFillSync(new BigUint64Array(2));
        return [seed[0], seed[1]];
      },
    },
  };
}
