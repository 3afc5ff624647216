// The restart table (runtime/pipeline/failure.ts): every Iggy status is in exactly
// one class, the classifier reads live and serialized errors alike, and
// docs/pipelines.md lists the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComponentFormatError, ConnectorCallError, FilesystemHungError, GuestTrapError } from '../../runtime/host/index.js';
import { IGGY_STATUS_TABLE, IggyConnectionError, IggyError } from '../../runtime/iggy/errors.js';
import { classifyFailure, ERROR_CODE_RULES, IGGY_STATUS_RULES, isRestartable } from '../../runtime/pipeline/failure.js';
import { serializeError } from '../../runtime/supervisor/protocol.js';
import { ROOT } from '../helpers/paths.js';

test('every Iggy status is in exactly one class, and every class lists only known statuses', () => {
  const seen = new Map<number, string>();
  for (const rule of IGGY_STATUS_RULES) {
    for (const status of rule.statuses) {
      assert.ok(IGGY_STATUS_TABLE.has(status), `class "${rule.what}" lists ${status}, which runtime/iggy/errors.ts does not know`);
      assert.ok(!seen.has(status), `status ${status} is in both "${seen.get(status)}" and "${rule.what}"`);
      seen.set(status, rule.what);
    }
  }
  const missing = [...IGGY_STATUS_TABLE.keys()].filter((s) => !seen.has(s));
  assert.deepEqual(missing, [], 'statuses in no class');
});

test('the classifier: live errors and their serialized form get the same answer', () => {
  const cases: [Error, boolean][] = [
    [IggyError.fromStatus(4041, 'createTopic(s, t)'), false],
    [IggyError.fromStatus(41, 'getTopic(s, t)'), false],
    [IggyError.fromStatus(42, 'login as iggy'), false],
    [IggyError.fromStatus(1013, 'createStream(x)'), false],
    [IggyError.fromStatus(57, 'sendMessages(s, t)'), true],
    [IggyError.fromStatus(8, 'poll'), true],
    [IggyError.fromStatus(65_000, 'from a newer server'), true],
    [new IggyConnectionError('connection lost'), true],
    [new GuestTrapError('consume', 'unreachable'), true],
    [new ComponentFormatError('x.wasm is a core WebAssembly module'), false],
    [new ConnectorCallError('invalid-config', 'open', 'bad key'), false],
    [new ConnectorCallError('transient', 'open', 'database down'), true],
    [new FilesystemHungError('the file system did not answer read of "/in/x"'), true],
    [new Error('no code at all'), true],
  ];
  for (const [error, restart] of cases) {
    const name = `${error.name} ${(error as { code?: string }).code ?? ''} ${(error as { status?: number }).status ?? ''}`;
    assert.equal(isRestartable(error), restart, name);
    assert.deepEqual(classifyFailure(serializeError(error)), classifyFailure(error), `${name}: serialized like live`);
  }
  assert.equal(classifyFailure(IggyError.fromStatus(4041)).rule, 'Iggy 4041');
  assert.match(classifyFailure(IggyError.fromStatus(4041)).action, /drop the option/);
});

test('docs/pipelines.md lists the same table', async () => {
  const doc = await readFile(join(ROOT, 'docs', 'pipelines.md'), 'utf8');
  const rows = doc
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const restartCell = (restart: boolean): string => (restart ? 'restart' : '**stop**');
  for (const [code, rule] of Object.entries(ERROR_CODE_RULES)) {
    const row = rows.find((r) => r[0] === `\`${code}\``);
    assert.ok(row, `docs/pipelines.md has no row for ${code}`);
    assert.deepEqual(row.slice(1, 3), [restartCell(rule.restart), rule.what], `the docs row of ${code}`);
  }
  const expand = (cell: string): number[] =>
    cell.split(',').flatMap((part) => {
      const [a, b] = part.trim().split('-').map(Number) as [number, number | undefined];
      return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
  for (const rule of IGGY_STATUS_RULES) {
    const row = rows.find((r) => r[2] === rule.what && r[1] === restartCell(rule.restart));
    assert.ok(row, `docs/pipelines.md has no row for the class "${rule.what}"`);
    assert.deepEqual(
      expand(row[0]!).sort((x, y) => x - y),
      [...rule.statuses].sort((x, y) => x - y),
      `the statuses of "${rule.what}" in the docs`,
    );
  }
});
