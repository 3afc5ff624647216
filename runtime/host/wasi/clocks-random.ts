// wasi:clocks and wasi:random: always granted (wit/README.md), read from Node's own
// clock and CSPRNG.
import { randomBytes, randomFillSync } from 'node:crypto';
import { Pollable } from './io.js';

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
      getRandomBytes: (len: bigint): Uint8Array => randomBytes(Number(len)),
      getRandomU64: (): bigint => randomFillSync(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (len: bigint): Uint8Array => randomBytes(Number(len)),
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
