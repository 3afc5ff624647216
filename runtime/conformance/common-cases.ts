// Cases every connector kind goes through: the world and imports it declares,
// open with the given and with an invalid config, and the summaries over all
// calls (call timeout, traps).
import type { ConnectorKind } from '../host/index.js';
import { fail, pass, skip, type CaseRunner, type Verdict } from './case-runner.js';
import { describe, type Harness } from './harness.js';
import type { LoadValue, Outcome } from './protocol.js';

const EXPORT_OF: Record<ConnectorKind, string> = {
  sink: 'iggy:connector/sink@0.1.0',
  source: 'iggy:connector/source@0.1.0',
};

/**
 * What the kit passes as an invalid config: a JSON value that is not an object.
 * The contract promises a JSON object, so every connector can tell this apart
 * without knowing its own keys.
 */
export const INVALID_CONFIG = '[]';

/** The world and imports cases, from the load outcome. Returns true when the other cases can run. */
export async function loadCases(runner: CaseRunner, harness: Harness, load: Outcome<LoadValue>, wanted?: ConnectorKind): Promise<boolean> {
  const claim = wanted ? `the ${wanted}-connector world` : 'a connector world';
  const worldTitle = `exports ${claim}`;
  const importsTitle = 'imports only what the runtime provides';
  if (load.type === 'ok') {
    const kind = load.value.kind;
    await runner.run('world', worldTitle, () => pass(`exports ${EXPORT_OF[kind]}${wanted ? '' : ` (kind inferred: ${kind})`}`));
    await runner.run('imports', importsTitle, () => pass(`${load.value.imports.length} imports, all provided`));
    return true;
  }
  if (load.type === 'host-error' && load.code === 'COMPONENT_IMPORTS') {
    await runner.run('world', worldTitle, () => pass(`exports ${claim}`));
    await runner.run('imports', importsTitle, () =>
      fail(`imports what the runtime does not provide: ${(load.unknownImports ?? []).join(', ')}; remove them from the component's world`),
    );
    return false;
  }
  await runner.run('world', worldTitle, () => fail(load.type === 'host-error' ? load.message : describe(load, harness.options.callTimeoutMs)));
  runner.skipAll([['imports', importsTitle]], 'not checked: the component was refused before its imports were read');
  return false;
}

export function openCase(runner: CaseRunner, harness: Harness, config: string): Promise<Verdict> {
  return runner.run('open', 'open with the given config succeeds', async () => {
    const made = await harness.fresh('open');
    if (made.type !== 'ok') return fail(`instantiating failed: ${describe(made, harness.options.callTimeoutMs)}`);
    const opened = await harness.call('open', { op: 'open', config });
    if (opened.type === 'ok') return pass(`call ${opened.ms.toFixed(1)} ms`);
    return fail(`${describe(opened, harness.options.callTimeoutMs, `open(${abbreviate(config)})`)}; pass a working config with --config`);
  });
}

export function invalidConfigCase(runner: CaseRunner, harness: Harness): Promise<Verdict> {
  return runner.run('open-invalid-config', `open with an invalid config (${INVALID_CONFIG}) returns invalid-config`, async () => {
    const made = await harness.fresh('open-invalid-config');
    if (made.type !== 'ok') return fail(`instantiating failed: ${describe(made, harness.options.callTimeoutMs)}`);
    const opened = await harness.call('open-invalid-config', { op: 'open', config: INVALID_CONFIG });
    if (opened.type === 'connector-error' && opened.kind === 'invalid-config') return pass(`invalid-config(${JSON.stringify(opened.message)})`);
    if (opened.type === 'ok') return fail(`open(${INVALID_CONFIG}) returned ok; a config that is not a JSON object must be refused with invalid-config`);
    return fail(`${describe(opened, harness.options.callTimeoutMs, `open(${INVALID_CONFIG})`)}; expected err(invalid-config(...))`);
  });
}

const abbreviate = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** Summaries over every call the other cases made. */
export async function summaryCases(runner: CaseRunner, harness: Harness): Promise<void> {
  const timeoutMs = harness.options.callTimeoutMs;
  await runner.run('call-timeout', `every call returns within the call timeout (${timeoutMs} ms)`, () => {
    const timeouts = harness.records.filter((r) => r.outcome.type === 'timeout');
    if (timeouts.length > 0) {
      return fail(timeouts.map((r) => describe(r.outcome, timeoutMs, `${r.caseName}: ${r.call}()`)).join('; '));
    }
    let slowest: { caseName: string; call: string; ms: number } | undefined;
    for (const r of harness.records) {
      const ms = 'ms' in r.outcome ? r.outcome.ms : 0;
      if (!slowest || ms > slowest.ms) slowest = { caseName: r.caseName, call: r.call, ms };
    }
    if (!slowest) return skip('no guest call was made');
    return pass(`slowest: ${slowest.call}() in ${slowest.caseName}, ${slowest.ms.toFixed(1)} ms`);
  });
  await runner.run('no-trap', 'no call traps', () => {
    const traps = harness.records.filter((r) => r.outcome.type === 'trap');
    if (traps.length === 0) {
      const loops = harness.records.filter((r) => r.caseName === 'memory-growth' && r.outcome.type === 'ok' && r.call !== 'open' && r.call !== 'close').length;
      return pass(`${harness.records.length - loops} single calls${loops ? ' and the memory-growth loop' : ''}`);
    }
    return fail(traps.map((r) => `${r.caseName}: ${describe(r.outcome)}`).join('; '));
  });
}
