// The leak check shared by both kinds: many calls in a row on one opened instance,
// linear memory sampled after a warm-up and after each tenth of the measured calls.
import { fail, pass, type CaseRunner, type Verdict } from './case-runner.js';
import { describe, type Harness } from './harness.js';
import type { KitRequest, RepeatValue } from './protocol.js';

export interface LeakOptions {
  /** Measured calls, after the warm-up. */
  calls: number;
  warmupCalls: number;
  /** Growth allowed over the second half of the measured calls. */
  thresholdBytes: number;
}

export const DEFAULT_LEAK: LeakOptions = { calls: 1000, warmupCalls: 100, thresholdBytes: 8 * 1024 * 1024 };

export const memoryTitle = (call: string): string => `linear memory stays bounded over repeated ${call} calls`;

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;

export function memoryCase(
  runner: CaseRunner,
  harness: Harness,
  config: string,
  leak: LeakOptions,
  request: Omit<Extract<KitRequest, { op: 'repeat' }>, 'op' | 'warmup' | 'times'>,
): Promise<Verdict> {
  return runner.run('memory-growth', memoryTitle(request.call), async () => {
    const name = 'memory-growth';
    const made = await harness.fresh(name);
    if (made.type !== 'ok') return fail(`instantiating failed: ${describe(made, harness.options.callTimeoutMs)}`);
    const opened = await harness.call(name, { op: 'open', config });
    if (opened.type !== 'ok') return fail(describe(opened, harness.options.callTimeoutMs, 'open'));
    const out = await harness.call<RepeatValue>(name, { op: 'repeat', warmup: leak.warmupCalls, times: leak.calls, ...request });
    if (out.type !== 'ok') return fail(describe(out, harness.options.callTimeoutMs, request.call));
    await harness.call(name, { op: 'close' });
    const { memoryBeforeBytes: before, memoryAfterBytes: after, samples } = out.value;
    // Garbage-collected guests (JavaScript, Go) grow their heap in steps during the
    // first few hundred calls and then level off; a leak keeps climbing. So the
    // verdict looks at the second half of the measured calls only.
    const half = Math.floor(leak.calls / 2);
    const middle = samples[Math.floor(samples.length / 2) - 1] ?? before;
    const late = after - middle;
    const measured =
      `grew ${mib(after - before)} over ${leak.calls} calls after ${leak.warmupCalls} warm-up calls, ${mib(late)} of it in the last ${half} ` +
      `(MiB after each tenth: ${samples.map((b) => (b / 1048576).toFixed(1)).join(' ')})`;
    if (late > leak.thresholdBytes) {
      return fail(
        `${measured}; over the ${mib(leak.thresholdBytes)} allowed in the last ${half} calls: the guest keeps memory from every call, release what each call allocates`,
      );
    }
    return pass(measured);
  });
}
