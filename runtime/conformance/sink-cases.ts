// The sink cases: every probe batch through consume on one opened instance,
// then close, then the leak check.
import { leakProbe, PROBE_CASES, sinkProbes, type ProbeBatch } from './batches.js';
import { fail, pass, type CaseRunner } from './case-runner.js';
import { describe, type Harness } from './harness.js';
import { memoryCase, memoryTitle, type LeakOptions } from './memory-case.js';
import type { BatchMetadata, MessageFailure, TopicMetadata } from '../host/index.js';

const CLOSE_TITLE = 'close after use succeeds';

/** Every sink case after open, as [name, title]. */
export const SINK_CASES: readonly (readonly [string, string])[] = [...PROBE_CASES, ['close', CLOSE_TITLE], ['memory-growth', memoryTitle('consume')]];

export const PROBE_TOPIC: TopicMetadata = { stream: 'conformance-stream', topic: 'conformance-topic' };

const metaOf = (probe: { firstOffset: bigint; batch: { count: number } }): BatchMetadata => ({
  partitionId: 0,
  currentOffset: probe.firstOffset,
  schema: 'raw',
  messageCount: probe.batch.count,
});

async function consumeProbe(runner: CaseRunner, harness: Harness, config: string, probe: ProbeBatch): Promise<void> {
  await runner.run(probe.name, probe.title, async () => {
    const opened = await harness.opened(probe.name, config);
    if (opened.type !== 'ok') return fail(`could not get an opened instance: ${describe(opened, harness.options.callTimeoutMs)}`);
    const out = await harness.call(probe.name, {
      op: 'consume',
      topic: PROBE_TOPIC,
      meta: metaOf(probe),
      batch: { index: probe.batch.index, data: probe.batch.data },
    });
    if (out.type === 'ok') {
      // Messages the sink named as failed (sink-results) count as that error for those messages alone.
      const failures = (out.value ?? []) as readonly MessageFailure[];
      if (failures.length === 0) return pass(`call ${out.ms.toFixed(1)} ms`);
      const first = failures[0];
      const named = `named ${failures.length} of ${probe.batch.count} message(s) as failed, first entry ${first.entry}: ${first.kind}(${JSON.stringify(first.message)})`;
      if (probe.permanentAccepted && failures.every((f) => f.kind === 'permanent')) return pass(`${named}, which is allowed for this content`);
      return fail(`consume returned ok but ${named}`);
    }
    if (out.type === 'connector-error' && out.kind === 'permanent' && probe.permanentAccepted) {
      return pass(`refused with permanent(${JSON.stringify(out.message)}), which is allowed for this content`);
    }
    return fail(describe(out, harness.options.callTimeoutMs, 'consume'));
  });
}

export async function sinkCases(runner: CaseRunner, harness: Harness, config: string, leak: LeakOptions): Promise<void> {
  for (const probe of sinkProbes()) await consumeProbe(runner, harness, config, probe);
  await runner.run('close', CLOSE_TITLE, async () => {
    const opened = await harness.opened('close', config);
    if (opened.type !== 'ok') return fail(`could not get an opened instance: ${describe(opened, harness.options.callTimeoutMs)}`);
    const out = await harness.call('close', { op: 'close' });
    return out.type === 'ok' ? pass() : fail(describe(out, harness.options.callTimeoutMs, 'close'));
  });
  const batch = leakProbe();
  await memoryCase(runner, harness, config, leak, {
    call: 'consume',
    topic: PROBE_TOPIC,
    meta: metaOf({ firstOffset: 0n, batch }),
    batch: { index: batch.index, data: batch.data },
  });
}
