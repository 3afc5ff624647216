// The leak check shared by both kinds: many calls in a row on one opened instance,
// linear memory sampled after a warm-up and at the end.
import { fail, pass, type CaseRunner, type Verdict } from './case-runner.js';
import { describe, type Harness } from './harness.js';
import type { KitRequest, RepeatValue } from './protocol.js';

export interface LeakOptions {
  calls: number;
  warmupCalls: number;
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
    const { memoryBeforeBytes: before, memoryAfterBytes: after } = out.value;
    const growth = after - before;
    const measured = `grew ${mib(growth)} (${mib(before)} → ${mib(after)}) over ${leak.calls} calls after ${leak.warmupCalls} warm-up calls`;
    if (growth > leak.thresholdBytes) {
      return fail(`${measured}, over the ${mib(leak.thresholdBytes)} allowed: the guest keeps memory from every call; release what each call allocates`);
    }
    return pass(measured);
  });
}
